//! Prints the envelope events and problems the reader finds in X12 files.
//! `cargo run -p crossdock-x12 --example dump -- FILE...`
use crossdock_x12::{Event, X12Reader};

fn main() {
    for path in std::env::args().skip(1) {
        println!("== {path}");
        let file = std::fs::File::open(&path).expect("open");
        let mut r = X12Reader::new(std::io::BufReader::new(file));
        while let Some(ev) = r.next() {
            match ev {
                Err(e) => println!("  FATAL {e}"),
                Ok(Event::InterchangeStart(ic)) => println!(
                    "  ISA {} -> {} #{} v{}",
                    ic.isa.sender_id(),
                    ic.isa.receiver_id(),
                    ic.isa.control_number(),
                    ic.isa.version()
                ),
                Ok(Event::GroupStart(g)) => {
                    println!("   GS {} #{} v{}", g.functional_id(), g.control_number(), g.version())
                }
                Ok(Event::Transaction(t)) => {
                    println!("    ST {} #{} segs={}", t.set_id, t.control_number, t.segment_count());
                    for i in &t.issues {
                        println!("      ! {i}");
                    }
                    for i in &t.segment_issues {
                        println!("      ! {i}");
                    }
                }
                Ok(Event::GroupEnd(g)) => {
                    println!("   GE sets={}", g.set_count);
                    for i in &g.issues {
                        println!("     ! {i}");
                    }
                }
                Ok(Event::InterchangeEnd(ic)) => {
                    println!("  IEA groups={}", ic.group_count);
                    for i in &ic.issues {
                        println!("    ! {i}");
                    }
                }
            }
        }
    }
}
