//! Great-circle distances.
//!
//! Sourcing measures the distance from a ship-to to every candidate node, so the hot path
//! uses the chord form of the haversine formula: with both points as unit vectors,
//! `hav(θ) = chord² / 4`, hence `d = 2R·asin(chord / 2)`. Same distance, one `asin` and no
//! `sin`/`cos` per pair, since each node's vector is computed once.

use crossdock_model::Geo;
use rust_decimal::prelude::ToPrimitive;

/// Mean Earth radius (IUGG), in kilometres.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// The haversine distance between two points, in kilometres.
pub fn haversine_km(a: Geo, b: Geo) -> Option<f64> {
    let (lat1, lon1) = radians(a)?;
    let (lat2, lon2) = radians(b)?;
    let h = ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    Some(2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin())
}

fn radians(g: Geo) -> Option<(f64, f64)> {
    let lat = g.lat.to_f64()?;
    let lon = g.lon.to_f64()?;
    let valid = (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon);
    valid.then(|| (lat.to_radians(), lon.to_radians()))
}

/// A point on the unit sphere, for fast repeated distances.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct UnitVec([f64; 3]);

impl UnitVec {
    /// `None` when the coordinates are out of range (a bad geo is treated as unknown).
    pub fn from_geo(g: Geo) -> Option<Self> {
        let (lat, lon) = radians(g)?;
        Some(UnitVec([lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]))
    }

    pub fn distance_km(self, other: UnitVec) -> f64 {
        let [x, y, z] = self.0;
        let [u, v, w] = other.0;
        let chord = ((x - u).powi(2) + (y - v).powi(2) + (z - w).powi(2)).sqrt();
        2.0 * EARTH_RADIUS_KM * (chord / 2.0).min(1.0).asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn geo(lat: rust_decimal::Decimal, lon: rust_decimal::Decimal) -> Geo {
        Geo { lat, lon }
    }

    #[test]
    fn haversine_matches_a_known_distance() {
        // New York (JFK) to Los Angeles (LAX): about 3,974 km on the mean sphere.
        let jfk = geo(dec!(40.6413), dec!(-73.7781));
        let lax = geo(dec!(33.9416), dec!(-118.4085));
        let d = haversine_km(jfk, lax).unwrap();
        assert!((d - 3974.0).abs() < 2.0, "{d}");
    }

    #[test]
    fn chord_form_equals_haversine() {
        let points = [
            geo(dec!(40.7128), dec!(-74.0060)),
            geo(dec!(34.0522), dec!(-118.2437)),
            geo(dec!(51.5074), dec!(-0.1278)),
            geo(dec!(-33.8688), dec!(151.2093)),
            geo(dec!(40.7130), dec!(-74.0061)),
        ];
        for a in points {
            for b in points {
                let h = haversine_km(a, b).unwrap();
                let c = UnitVec::from_geo(a).unwrap().distance_km(UnitVec::from_geo(b).unwrap());
                assert!((h - c).abs() < 1e-6, "{h} vs {c}");
            }
        }
    }

    #[test]
    fn out_of_range_coordinates_are_unknown() {
        assert!(UnitVec::from_geo(geo(dec!(91), dec!(0))).is_none());
        assert!(haversine_km(geo(dec!(0), dec!(181)), geo(dec!(0), dec!(0))).is_none());
    }
}
