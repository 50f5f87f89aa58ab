//! A local fake of Shopify's GraphQL Admin API: it answers a script of replies in the
//! documented shapes, in order, and records every request it got.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use tokio::net::TcpListener;

pub mod webhooks;

pub struct Reply {
    pub status: u16,
    pub retry_after: Option<&'static str>,
    pub body: Value,
}

impl Reply {
    /// A 200 with `data`, reporting the cost bucket as Shopify does.
    pub fn data(data: Value, requested: f64, available: f64, restore_rate: f64) -> Reply {
        Reply {
            status: 200,
            retry_after: None,
            body: json!({ "data": data, "extensions": cost(requested, available, restore_rate) }),
        }
    }

    pub fn too_many_requests(retry_after: &'static str) -> Reply {
        Reply {
            status: 429,
            retry_after: Some(retry_after),
            body: json!({ "errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service." }),
        }
    }

    /// The GraphQL answer to a query the bucket could not pay for.
    pub fn throttled(requested: f64, available: f64, restore_rate: f64) -> Reply {
        Reply {
            status: 200,
            retry_after: None,
            body: json!({
                "errors": [{ "message": "Throttled", "extensions": { "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits" } }],
                "extensions": cost(requested, available, restore_rate),
            }),
        }
    }
}

pub fn cost(requested: f64, available: f64, restore_rate: f64) -> Value {
    json!({ "cost": {
        "requestedQueryCost": requested,
        "actualQueryCost": requested,
        "throttleStatus": { "maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": restore_rate }
    }})
}

#[derive(Clone)]
pub struct FakeShopify {
    pub base_url: String,
    script: Arc<Mutex<VecDeque<Reply>>>,
    requests: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
}

impl FakeShopify {
    pub async fn start(script: Vec<Reply>) -> FakeShopify {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let fake = FakeShopify {
            base_url: format!("http://{}", listener.local_addr().expect("local addr")),
            script: Arc::new(Mutex::new(script.into())),
            requests: Arc::default(),
        };
        let app = Router::new().route("/admin/api/{version}/graphql.json", post(answer)).with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        fake
    }

    /// The JSON bodies of the requests received so far.
    pub fn requests(&self) -> Vec<Value> {
        self.requests.lock().unwrap().iter().map(|(_, body)| body.clone()).collect()
    }

    pub fn headers(&self, n: usize) -> HeaderMap {
        self.requests.lock().unwrap()[n].0.clone()
    }

    pub fn replies_left(&self) -> usize {
        self.script.lock().unwrap().len()
    }
}

async fn answer(State(fake): State<FakeShopify>, headers: HeaderMap, body: Bytes) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    fake.requests.lock().unwrap().push((headers, request));
    let Some(reply) = fake.script.lock().unwrap().pop_front() else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "script exhausted").into_response();
    };
    let mut response = (StatusCode::from_u16(reply.status).unwrap(), axum::Json(reply.body)).into_response();
    if let Some(after) = reply.retry_after {
        response.headers_mut().insert("retry-after", HeaderValue::from_static(after));
    }
    response
}
