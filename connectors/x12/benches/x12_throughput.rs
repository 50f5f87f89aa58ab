//! X12 throughput and memory: our streaming reader (alone and with the canonical
//! mapping), the writer, and the x12-types crate on the same input, side by side in one
//! run. Each case runs in a child process (this binary re-executed with `--child CASE`)
//! so that every peak RSS figure belongs to that case alone.
//!
//! `cargo bench -p crossdock-x12 --bench x12_throughput`
//!
//! The inputs are generated here with plain string building (seeded, deterministic), not
//! with the writer under test, into a temporary directory that is removed at the end.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crossdock_x12::control::MemoryControlNumbers;
use crossdock_x12::{map_transaction, write_documents, Event, PartnerProfile, X12Reader};

/// Purchase orders in the main 850 files, and lines per order.
const POS: u32 = 10_000;
const LINES: u32 = 10;
/// The 850 slice x12-types is measured on (it holds gigabytes for the whole file).
const SLICE_POS: u32 = 1_000;
/// Items in the 846.
const ITEMS: u32 = 100_000;
/// The big file: ten times the main 850.
const BIG_POS: u32 = 100_000;

// ---- generation --------------------------------------------------------------------

/// splitmix64: small, seeded, good enough to vary the data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Release {
    V4010,
    V5010,
}

impl Release {
    fn isa11(self) -> &'static str {
        match self {
            Release::V4010 => "U",
            Release::V5010 => "^",
        }
    }
    fn isa12(self) -> &'static str {
        match self {
            Release::V4010 => "00401",
            Release::V5010 => "00501",
        }
    }
    fn gs08(self) -> &'static str {
        match self {
            Release::V4010 => "004010",
            Release::V5010 => "005010",
        }
    }
}

const CITIES: &[(&str, &str, &str)] = &[
    ("SPRINGFIELD", "IL", "62701"),
    ("COLUMBUS", "OH", "43215"),
    ("AUSTIN", "TX", "78701"),
    ("PORTLAND", "OR", "97201"),
    ("RALEIGH", "NC", "27601"),
    ("DENVER", "CO", "80202"),
    ("MADISON", "WI", "53703"),
    ("TAMPA", "FL", "33602"),
];
const STREETS: &[&str] = &["MAIN ST", "OAK AVE", "COMMERCE DR", "INDUSTRIAL PKWY", "MARKET ST", "LAKESIDE BLVD"];
const ADJ: &[&str] = &["BLUE", "RED", "STEEL", "OAK", "LARGE", "SMALL", "ORGANIC", "DELUXE", "COMPACT", "CLASSIC"];
const NOUN: &[&str] =
    &["WIDGET", "LAMP", "CHAIR", "KETTLE", "BACKPACK", "TOWEL SET", "DRILL", "SKILLET", "SPEAKER", "JACKET"];
const UOMS: &[&str] = &["EA", "EA", "EA", "CA", "BX"];
const CARRIERS: &[(&str, &str)] =
    &[("UPSN", "UPS GROUND"), ("FDEG", "FEDEX GROUND"), ("USPS", "USPS PRIORITY"), ("ODFL", "OLD DOMINION")];

fn isa(out: &mut String, release: Release, control: u32) {
    let _ = writeln!(
        out,
        "ISA*00*          *00*          *ZZ*BUYERCO        *ZZ*SUPPLIERCO     *240115*1200*{}*{}*{control:09}*0*P*:~",
        release.isa11(),
        release.isa12()
    );
}

/// A 12-digit UPC with its check digit.
fn upc(n: u64) -> String {
    let body = format!("{:011}", n % 100_000_000_000);
    let (mut odd, mut even) = (0u32, 0u32);
    for (i, b) in body.bytes().enumerate() {
        let d = (b - b'0') as u32;
        if i % 2 == 0 {
            odd += d
        } else {
            even += d
        }
    }
    let check = (10 - (odd * 3 + even) % 10) % 10;
    format!("{body}{check}")
}

/// Appends one segment and its terminator.
fn seg(out: &mut String, a: std::fmt::Arguments<'_>) {
    let _ = out.write_fmt(a);
    out.push_str("~\n");
}

fn segment_count(s: &str) -> usize {
    s.bytes().filter(|b| *b == b'~').count()
}

/// One 850 transaction set (ST .. SE) for purchase order `po` (its content depends on `po` only).
fn po_850(out: &mut String, po: u32) {
    let mut r = Rng::new(0xC0FF_EE00 ^ u64::from(po).wrapping_mul(0x1000_0001));
    let start = out.len();
    let control = format!("{:04}", po + 1);
    let (month, day) = (1 + r.below(12), 1 + r.below(28));
    seg(out, format_args!("ST*850*{control}"));
    seg(out, format_args!("BEG*00*SA*PO{:08}**2024{month:02}{day:02}", po + 1));
    seg(out, format_args!("CUR*BY*USD"));
    seg(out, format_args!("REF*DP*{:03}", r.below(1000)));
    seg(out, format_args!("REF*IA*V{:06}", r.below(1_000_000)));
    seg(
        out,
        format_args!(
            "PER*BD*{} BUYER*TE*555{:07}*EM*buyer{}@example.com",
            r.pick(&["JANE", "JOHN", "ALEX", "SAM"]),
            r.below(10_000_000),
            r.below(100)
        ),
    );
    seg(out, format_args!("FOB*{}", r.pick(&["PP", "CC", "PB"])));
    seg(out, format_args!("ITD*14*3*2**10**30*****2% 10 NET 30"));
    seg(out, format_args!("DTM*002*2024{month:02}{:02}", (day + 7).min(28)));
    seg(out, format_args!("DTM*010*2024{month:02}{:02}", (day + 2).min(28)));
    let (scac, carrier) = CARRIERS[r.below(CARRIERS.len() as u64) as usize];
    seg(out, format_args!("TD5*O*2*{scac}*M*{carrier}"));
    let store = r.below(900) + 100;
    for (code, name, id) in [
        ("ST", format!("STORE {store}"), format!("{store:04}")),
        ("BT", "ACME RETAIL INC".to_string(), "HQ01".to_string()),
    ] {
        let (city, state, zip) = CITIES[r.below(CITIES.len() as u64) as usize];
        seg(out, format_args!("N1*{code}*{name}*92*{id}"));
        seg(out, format_args!("N3*{} {}", r.below(9000) + 100, r.pick(STREETS)));
        seg(out, format_args!("N4*{city}*{state}*{zip}*US"));
    }
    let mut total_qty = 0u64;
    let mut total_cents = 0u64;
    for line in 1..=LINES {
        let qty = 1 + r.below(48);
        let cents = 199 + r.below(20_000);
        let uom = r.pick(UOMS);
        let item = r.below(1_000_000);
        total_qty += qty;
        total_cents += qty * cents;
        seg(
            out,
            format_args!(
                "PO1*{line}*{qty}*{uom}*{}.{:02}**UP*{}*VN*VN-{item:06}*BP*BP{:07}",
                cents / 100,
                cents % 100,
                upc(item * 7 + 1),
                item * 3
            ),
        );
        seg(out, format_args!("PID*F****{} {} {}", r.pick(ADJ), r.pick(NOUN), r.below(100)));
        seg(out, format_args!("PO4*{}*1*{uom}", 1 + r.below(24)));
        if line % 3 == 0 && qty >= 2 {
            let a = qty / 2;
            seg(out, format_args!("SDQ*{uom}*92*{:04}*{a}*{:04}*{}", store, store + 1, qty - a));
        }
    }
    seg(out, format_args!("CTT*{LINES}*{total_qty}"));
    seg(out, format_args!("AMT*TT*{}.{:02}", total_cents / 100, total_cents % 100));
    let n = segment_count(&out[start..]) + 1;
    seg(out, format_args!("SE*{n}*{control}"));
}

/// Writes an interchange of `pos` purchase orders in one functional group; returns its size.
fn write_850(path: &Path, release: Release, pos: u32) -> std::io::Result<u64> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut s = String::with_capacity(1 << 16);
    let mut size = 0u64;
    isa(&mut s, release, 1);
    let _ = writeln!(s, "GS*PO*BUYERCO*SUPPLIERCO*20240115*1200*1*X*{}~", release.gs08());
    for po in 0..pos {
        po_850(&mut s, po);
        if s.len() > 60_000 {
            w.write_all(s.as_bytes())?;
            size += s.len() as u64;
            s.clear();
        }
    }
    let _ = write!(s, "GE*{pos}*1~\nIEA*1*000000001~\n");
    w.write_all(s.as_bytes())?;
    size += s.len() as u64;
    w.flush()?;
    Ok(size)
}

/// Writes an 846 (one inventory snapshot of `items` LIN/QTY items) in 005010.
fn write_846(path: &Path, items: u32) -> std::io::Result<u64> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut s = String::with_capacity(1 << 16);
    let mut size = 0u64;
    let mut r = Rng::new(0x846);
    isa(&mut s, Release::V5010, 2);
    s.push_str("GS*IB*SUPPLIERCO*BUYERCO*20240115*1200*2*X*005010~\n");
    let mut segs = 0;
    let mut st = s.len();
    seg(&mut s, format_args!("ST*846*0001"));
    seg(&mut s, format_args!("BIA*00*SI*INV20240115*20240115*1200"));
    seg(&mut s, format_args!("DTM*007*20240115*1200"));
    seg(&mut s, format_args!("N1*SU*SUPPLIER CO*92*SUPPLIERCO"));
    seg(&mut s, format_args!("N1*WH*SUPPLIER DC EAST*92*DC01"));
    for i in 1..=items {
        let item = r.below(1_000_000);
        seg(&mut s, format_args!("LIN*{i}*UP*{}*VN*VN-{item:06}*BP*BP{:07}", upc(item * 7 + 1), item * 3));
        seg(&mut s, format_args!("PID*F****{} {}", r.pick(ADJ), r.pick(NOUN)));
        seg(&mut s, format_args!("QTY*33*{}*EA", r.below(500)));
        if i % 4 == 0 {
            seg(&mut s, format_args!("QTY*02*{}*EA", 10 + r.below(200)));
            seg(&mut s, format_args!("DTM*018*2024{:02}{:02}", 2 + r.below(10), 1 + r.below(28)));
        }
        if s.len() > 60_000 {
            segs += segment_count(&s[st..]);
            w.write_all(s.as_bytes())?;
            size += s.len() as u64;
            s.clear();
            st = 0;
        }
    }
    seg(&mut s, format_args!("CTT*{items}"));
    let n = segs + segment_count(&s[st..]) + 1;
    seg(&mut s, format_args!("SE*{n}*0001"));
    s.push_str("GE*1*2~\nIEA*1*000000002~\n");
    w.write_all(s.as_bytes())?;
    size += s.len() as u64;
    w.flush()?;
    Ok(size)
}

// ---- the cases (each runs in a child) ------------------------------------------------

/// What one timed run did.
#[derive(Default, Clone, Copy)]
struct Run {
    /// Bytes of X12 read or written.
    bytes: u64,
    /// Business documents produced or written.
    docs: u64,
}

fn open(path: &Path) -> X12Reader<BufReader<File>> {
    X12Reader::new(BufReader::new(File::open(path).expect("bench input exists")))
}

/// Reader alone: every event drained, envelopes checked, no mapping.
fn read_only(path: &Path) -> Run {
    let mut r = open(path);
    let (mut sets, mut segments, mut issues) = (0u64, 0u64, 0usize);
    while let Some(ev) = r.next() {
        match ev.expect("the generated input reads") {
            Event::Transaction(tx) => {
                sets += 1;
                segments += tx.segment_count() as u64;
                issues += tx.issues.len() + tx.segment_issues.len();
            }
            Event::GroupEnd(g) => issues += g.issues.len(),
            Event::InterchangeEnd(ic) => issues += ic.issues.len(),
            _ => {}
        }
    }
    assert_eq!(issues, 0, "the generated input has envelope issues");
    assert!(segments > sets);
    Run { bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0), docs: sets }
}

/// Reader and mapping: every set mapped to its canonical document, which is dropped at once.
fn to_canonical(path: &Path, problems: &mut Vec<String>) -> Run {
    let mut r = open(path);
    let mut docs = 0u64;
    while let Some(ev) = r.next() {
        if let Event::Transaction(tx) = ev.expect("the generated input reads") {
            let mapped = map_transaction(&tx);
            if !mapped.accepted() && problems.len() < 3 {
                let first = mapped
                    .set_issues
                    .first()
                    .map(|i| i.to_string())
                    .or_else(|| mapped.segment_issues.first().map(|i| i.to_string()));
                problems.push(format!("set {} not accepted: {}", tx.control_number, first.unwrap_or_default()));
            }
            if mapped.document.is_some() {
                docs += 1;
            }
        }
    }
    Run { bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0), docs }
}

/// Canonical documents of every set in the file, kept (for the writer case).
fn load_documents(path: &Path) -> Vec<crossdock_x12::inbound::Mapped> {
    let mut r = open(path);
    let mut out = Vec::new();
    while let Some(ev) = r.next() {
        if let Event::Transaction(tx) = ev.expect("the generated input reads") {
            out.push(map_transaction(&tx));
        }
    }
    out
}

/// x12-types: the whole (slice) file read into a string and parsed by its nom parser.
fn x12_types(path: &Path) -> Run {
    use x12_types::util::Parser as _;
    use x12_types::v005010::{Transmission, _850};
    let text = std::fs::read_to_string(path).expect("bench input exists");
    let (rest, t) = Transmission::<_850>::parse(&text).expect("x12-types parses the generated 850");
    assert!(rest.trim().is_empty(), "x12-types stopped early: {:?}", &rest[..rest.len().min(200)]);
    let docs = t.functional_group.iter().map(|g| g.segments.len() as u64).sum();
    Run { bytes: text.len() as u64, docs }
}

/// Peak resident set of this process, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Time this thread has spent on a CPU (`/proc/thread-self/schedstat`, nanoseconds):
/// unlike the wall clock, it does not count time spent waiting for a core that other
/// processes hold, so it measures what one core does even on a busy machine.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    Duration::from_nanos(stat.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(0))
}

/// Runs `f` `n` times and keeps the fastest, by the wall clock and by CPU time.
fn best_of(n: usize, mut f: impl FnMut() -> Run) -> (Run, Duration, Duration) {
    let mut best = (Run::default(), Duration::MAX, Duration::MAX);
    for _ in 0..n {
        let (t, c) = (Instant::now(), cpu_time());
        let run = std::hint::black_box(f());
        let (d, cpu) = (t.elapsed(), cpu_time().saturating_sub(c));
        best = (run, best.1.min(d), best.2.min(cpu));
    }
    best
}

fn child(case: &str, path: &Path, runs: usize) {
    let mut problems = Vec::new();
    let (run, d, cpu) = match case {
        "read" => best_of(runs, || read_only(path)),
        "map" => best_of(runs, || to_canonical(path, &mut problems)),
        "write" => {
            let docs: Vec<_> = load_documents(path).into_iter().filter_map(|m| m.document).collect();
            let profile = PartnerProfile::new("bench", ("ZZ", "BUYERCO"), ("ZZ", "SUPPLIERCO"));
            let now =
                chrono::NaiveDate::from_ymd_opt(2024, 1, 15).and_then(|d| d.and_hms_opt(12, 0, 0)).expect("a date");
            let mut numbers = MemoryControlNumbers::default();
            best_of(runs, || {
                let out = write_documents(&profile, &docs, &mut numbers, now).expect("the canonical POs write");
                Run { bytes: out.len() as u64, docs: docs.len() as u64 }
            })
        }
        "x12types" => best_of(runs, || x12_types(path)),
        other => panic!("unknown case {other}"),
    };
    problems.dedup();
    for p in &problems {
        println!("NOTE {p}");
    }
    println!("RESULT {} {} {} {} {}", run.bytes, run.docs, d.as_nanos(), cpu.as_nanos(), peak_rss());
}

// ---- the parent ------------------------------------------------------------------------

struct Measured {
    bytes: u64,
    docs: u64,
    secs: f64,
    /// On-CPU seconds of the best run; 0 when the kernel does not say.
    cpu_secs: f64,
    rss: u64,
}

impl Measured {
    fn mbps(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.secs
    }
    /// MB/s per core: by CPU time when known, else by the wall clock.
    fn cpu_mbps(&self) -> f64 {
        let secs = if self.cpu_secs > 0.0 { self.cpu_secs } else { self.secs };
        self.bytes as f64 / 1e6 / secs
    }
    fn docs_per_sec(&self) -> f64 {
        self.docs as f64 / self.secs
    }
    fn rss_mb(&self) -> f64 {
        self.rss as f64 / (1024.0 * 1024.0)
    }
}

fn spawn(case: &str, path: &Path, runs: usize) -> Measured {
    let exe = std::env::current_exe().expect("own path");
    let out =
        Command::new(exe).arg("--child").arg(case).arg(path).arg(runs.to_string()).output().expect("child starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for note in stdout.lines().filter_map(|l| l.strip_prefix("NOTE ")) {
        println!("  note ({case} {}): {note}", path.file_name().map(|f| f.to_string_lossy()).unwrap_or_default());
    }
    let line = stdout.lines().find_map(|l| l.strip_prefix("RESULT ")).unwrap_or_else(|| {
        panic!(
            "case {case} on {} failed ({}):\n{stdout}\n{}",
            path.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let v: Vec<u64> = line.split_whitespace().map(|x| x.parse().expect("a number")).collect();
    Measured { bytes: v[0], docs: v[1], secs: v[2] as f64 / 1e9, cpu_secs: v[3] as f64 / 1e9, rss: v[4] }
}

/// One line of the table.
fn row(case: &str, m: &Measured, ratio: Option<f64>, target: &str) {
    let ratio = ratio.map_or("-".to_string(), |r| format!("{r:.1}x"));
    println!(
        "{case:<46} {:>7.1} {:>9.1} {:>9.0} {:>11.1} {:>7}   {target}",
        m.mbps(),
        m.cpu_mbps(),
        m.docs_per_sec(),
        m.rss_mb(),
        ratio
    );
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "MISSED"
    }
}

fn parent() {
    let dir = std::env::temp_dir().join(format!("crossdock-x12-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let _cleanup = Cleanup(dir.clone());
    let p4010 = dir.join("850_004010.x12");
    let p5010 = dir.join("850_005010.x12");
    let pslice = dir.join("850_005010_slice.x12");
    let p846 = dir.join("846_005010.x12");
    let pbig = dir.join("850_005010_x10.x12");

    let t = Instant::now();
    let s4010 = write_850(&p4010, Release::V4010, POS).expect("write 850 004010");
    let s5010 = write_850(&p5010, Release::V5010, POS).expect("write 850 005010");
    let sslice = write_850(&pslice, Release::V5010, SLICE_POS).expect("write 850 slice");
    let s846 = write_846(&p846, ITEMS).expect("write 846");
    let sbig = write_850(&pbig, Release::V5010, BIG_POS).expect("write big 850");
    println!("crossdock-x12 throughput (single thread; best of N runs; each case in its own process)");
    println!(
        "inputs, generated in {:.1}s into {}: 850 004010 {} POs x {LINES} lines {:.1} MB; 850 005010 {:.1} MB; \
         005010 slice {SLICE_POS} POs {:.2} MB; 846 005010 {ITEMS} items {:.1} MB; 850 005010 x10 {BIG_POS} POs {:.1} MB",
        t.elapsed().as_secs_f64(),
        dir.display(),
        POS,
        s4010 as f64 / 1e6,
        s5010 as f64 / 1e6,
        sslice as f64 / 1e6,
        s846 as f64 / 1e6,
        sbig as f64 / 1e6
    );
    println!();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "MB/s: by the wall clock; cpu_MB/s: by on-CPU time, what one core does (targets are judged on it); \
         load average now {}",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    println!();
    println!(
        "{:<46} {:>7} {:>9} {:>9} {:>11} {:>7}   target",
        "case", "MB/s", "cpu_MB/s", "docs/s", "peak_rss_MB", "ratio"
    );

    let rss_ok = |m: &Measured| m.rss < 64 << 20;
    let speed = |m: &Measured, min: f64| format!(">= {min:.0} MB/s: {}", verdict(m.cpu_mbps() >= min));
    let m = spawn("map", &p4010, 7);
    row("850 004010 -> canonical", &m, None, &format!("{}, rss < 64 MB: {}", speed(&m, 100.0), verdict(rss_ok(&m))));
    let m = spawn("map", &p5010, 7);
    row("850 005010 -> canonical", &m, None, &format!("{}, rss < 64 MB: {}", speed(&m, 100.0), verdict(rss_ok(&m))));
    let m = spawn("map", &p846, 5);
    row(
        &format!("846 005010 -> canonical (1 set, {ITEMS} items)"),
        &m,
        None,
        &format!("{}, rss < 64 MB: {}", speed(&m, 100.0), verdict(rss_ok(&m))),
    );
    let m = spawn("write", &p5010, 5);
    row(&format!("canonical -> 850 005010 ({POS} POs, MB written)"), &m, None, &speed(&m, 200.0));
    let m = spawn("read", &p4010, 10);
    row("reader only, 850 004010", &m, None, &format!("rss < 64 MB: {}", verdict(rss_ok(&m))));
    let m = spawn("read", &p5010, 10);
    row("reader only, 850 005010", &m, None, &format!("rss < 64 MB: {}", verdict(rss_ok(&m))));
    let m = spawn("read", &p846, 10);
    row("reader only, 846 005010 (1 set)", &m, None, &format!("rss < 64 MB: {}", verdict(rss_ok(&m))));
    let ours_read = spawn("read", &pslice, 10);
    let ours_map = spawn("map", &pslice, 10);
    let theirs = spawn("x12types", &pslice, 3);
    row(
        &format!("reader only, 850 005010 slice ({SLICE_POS} POs)"),
        &ours_read,
        Some(ours_read.cpu_mbps() / theirs.cpu_mbps()),
        "(ratio: vs x12-types on the slice)",
    );
    let ratio = ours_map.cpu_mbps() / theirs.cpu_mbps();
    row(
        &format!("850 005010 -> canonical, slice ({SLICE_POS} POs)"),
        &ours_map,
        Some(ratio),
        &format!("ours/x12-types >= 10x: {}", verdict(ratio >= 10.0)),
    );
    row(
        &format!("x12-types parse, 850 005010 slice ({SLICE_POS} POs)"),
        &theirs,
        Some(1.0),
        "(whole file in memory; the full 10,000-PO file needs GBs)",
    );
    let m = spawn("map", &pbig, 1);
    row(
        &format!("850 005010 x10 -> canonical ({:.0} MB streamed)", sbig as f64 / 1e6),
        &m,
        None,
        &format!("rss < 64 MB: {}", verdict(rss_ok(&m))),
    );
}

struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let case = &args[i + 1];
        let path = PathBuf::from(&args[i + 2]);
        let runs = args.get(i + 3).and_then(|n| n.parse().ok()).unwrap_or(5);
        child(case, &path, runs);
        return;
    }
    // For profiling one case by hand: `--generate DIR` writes the inputs and stops, then
    // `perf record BENCH_BINARY --child map DIR/850_005010.x12 1`.
    if let Some(i) = args.iter().position(|a| a == "--generate") {
        let dir = PathBuf::from(args.get(i + 1).expect("--generate DIR"));
        std::fs::create_dir_all(&dir).expect("the directory");
        write_850(&dir.join("850_004010.x12"), Release::V4010, POS).expect("write");
        write_850(&dir.join("850_005010.x12"), Release::V5010, POS).expect("write");
        write_850(&dir.join("850_005010_slice.x12"), Release::V5010, SLICE_POS).expect("write");
        write_846(&dir.join("846_005010.x12"), ITEMS).expect("write");
        return;
    }
    // `cargo bench` passes `--bench` (and any filter): there is nothing to filter here.
    parent();
}
