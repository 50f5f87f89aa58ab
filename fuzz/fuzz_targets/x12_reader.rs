//! Arbitrary bytes into the X12 reader: it must never panic, hang or run away with
//! memory, whatever it is fed, and every view it hands out must be safe to walk.
//!
//! The input is used whole, in one of four ways picked by its length (so that the seed
//! corpus, real X12 files, is read as it is; the costly last way one time in eight):
//! - from a slice, with default options;
//! - from a slice, with strict small limits (segment and transaction sizes);
//! - through a reader that returns a few bytes at a time (terminators split across reads);
//! - inflated past the reader's 64 KiB buffer by repeating its middle third, so that the
//!   buffer is shifted and grown while a transaction is open.
#![no_main]

use std::io::Read;

use crossdock_x12::{map_transaction, Event, ReaderOptions, X12Reader};
use libfuzzer_sys::fuzz_target;

/// Elements (and components) read by position in each segment.
const MAX_INDEXED: usize = 32;

/// Hands out the input a few bytes at a time.
struct Trickle<'a> {
    data: &'a [u8],
    pos: usize,
    state: u32,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.state = self.state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let want = 1 + (self.state >> 16) as usize % 7;
        let n = want.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn inflate(data: &[u8]) -> Vec<u8> {
    let (a, b) = (data.len() / 3, 2 * data.len() / 3);
    let middle = &data[a..b];
    let mut out = Vec::with_capacity(80 * 1024);
    out.extend_from_slice(&data[..a]);
    if !middle.is_empty() {
        while out.len() < 72 * 1024 {
            out.extend_from_slice(middle);
        }
    }
    out.extend_from_slice(&data[b..]);
    out
}

fn drain<R: Read>(mut reader: X12Reader<R>) {
    let mut events = 0usize;
    while let Some(event) = reader.next() {
        events += 1;
        let event = match event {
            Ok(e) => e,
            Err(e) => {
                let _ = e.to_string();
                // After an error the reader stops.
                assert!(reader.next().is_none(), "the reader went on after an error");
                return;
            }
        };
        match event {
            Event::InterchangeStart(ic) | Event::InterchangeEnd(ic) => {
                let isa = &ic.isa;
                let _ = (
                    isa.sender_id(),
                    isa.receiver_id(),
                    isa.version(),
                    isa.control_number(),
                    isa.date(),
                    isa.time(),
                    isa.usage(),
                    isa.ack_requested(),
                );
                for n in 1..=16 {
                    let _ = isa.field(n);
                }
                for i in &ic.issues {
                    let _ = i.to_string();
                }
                let _ = ic.rejected();
            }
            Event::GroupStart(g) | Event::GroupEnd(g) => {
                let _ = (
                    g.functional_id(),
                    g.sender(),
                    g.receiver(),
                    g.date(),
                    g.time(),
                    g.control_number(),
                    g.version(),
                    g.release(),
                    g.rejected(),
                );
                for i in &g.issues {
                    let _ = i.to_string();
                }
            }
            Event::Transaction(tx) => {
                let _ = (tx.set_id, tx.control_number, tx.implementation, tx.at.to_string());
                for i in &tx.issues {
                    let _ = i.to_string();
                }
                for i in &tx.segment_issues {
                    let _ = i.to_string();
                }
                let mut count = 0;
                for seg in tx.segments() {
                    count += 1;
                    let _ = (seg.id(), seg.raw(), seg.location().to_string());
                    let n = seg.element_count();
                    // Every element is walked; the accessors by position (each a scan from
                    // the start) only for the first few, so a segment of thousands of
                    // elements stays linear.
                    for (i, element) in seg.elements().enumerate() {
                        let _ = element.len();
                        if i > MAX_INDEXED {
                            continue;
                        }
                        assert_eq!(element, seg.element(i));
                        let _ = (seg.get(i), seg.text(i));
                        if i > 0 {
                            let components = element.bytes().filter(|b| *b == seg.delimiters().component).count() + 1;
                            for c in 1..=(components + 1).min(MAX_INDEXED) {
                                let _ = seg.component(i, c);
                            }
                            for r in seg.repetitions(i) {
                                let _ = r.len();
                            }
                        }
                    }
                    assert_eq!(seg.elements().count(), n + 1);
                    let _ = seg.element(n + 5);
                }
                assert_eq!(count, tx.segment_count());
                // The inbound mapping must take whatever the reader hands out.
                let mapped = map_transaction(&tx);
                for i in &mapped.set_issues {
                    let _ = i.to_string();
                }
                for i in &mapped.segment_issues {
                    let _ = i.to_string();
                }
                let _ = (mapped.accepted(), mapped.warnings.len(), mapped.document.map(|d| d.kind()));
            }
        }
        assert!(events < 10_000_000, "the reader does not stop");
    }
    // At the end of the input the reader stays at the end.
    assert!(reader.next().is_none());
}

fuzz_target!(|data: &[u8]| {
    let seed = data.iter().fold(0x811C_9DC5u32, |h, b| (h ^ u32::from(*b)).wrapping_mul(0x0100_0193));
    match data.len() % 8 {
        0 | 3 | 6 => drain(X12Reader::new(data)),
        1 | 4 => {
            let opts = ReaderOptions {
                lenient_isa_widths: seed & 1 == 1,
                max_segment_bytes: 16 + (seed as usize >> 1) % 512,
                max_transaction_bytes: 64 + (seed as usize >> 10) % 4096,
            };
            drain(X12Reader::with_options(data, opts))
        }
        2 | 5 => drain(X12Reader::new(Trickle { data, pos: 0, state: seed })),
        _ => {
            let big = inflate(data);
            drain(X12Reader::new(big.as_slice()))
        }
    }
});
