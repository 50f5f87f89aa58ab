//! The mandatory elements of every segment the mappers read, checked on every segment of
//! every set: one table instead of a check in each mapper.

use std::sync::OnceLock;

use crate::issue::ElementCode;
use crate::reader::Segment;

use super::Cx;

/// Segment id -> (element position, X12 data element reference number) that must be
/// present. Mostly the standard's `M` elements (the same in 003xxx to 005010 for these
/// segments), plus a few that are conditional in the standard but without which the
/// segment says nothing the mapper can use (PO102, IT102, IT104, W0502, W0602).
const MANDATORY: &[(&str, &[(u8, u32)])] = &[
    // shared
    ("REF", &[(1, 128)]),
    ("N9", &[(1, 128)]),
    ("N1", &[(1, 98)]),
    ("N2", &[(1, 93)]),
    ("N3", &[(1, 166)]),
    ("PER", &[(1, 366)]),
    ("DTM", &[(1, 374)]),
    ("CUR", &[(1, 98), (2, 100)]),
    ("FOB", &[(1, 146)]),
    ("PID", &[(1, 349)]),
    ("MSG", &[(1, 933)]),
    ("NTE", &[(2, 352)]),
    ("SAC", &[(1, 248)]),
    ("CTT", &[(1, 354)]),
    ("AMT", &[(1, 522), (2, 782)]),
    ("LX", &[(1, 554)]),
    ("G69", &[(1, 352)]),
    ("LIN", &[(2, 235), (3, 234)]),
    ("QTY", &[(1, 673)]),
    ("SCH", &[(1, 380), (2, 355), (5, 374), (6, 373)]),
    // 850 / 855
    ("BEG", &[(1, 353), (2, 92), (3, 324), (5, 373)]),
    ("PO1", &[(2, 330)]),
    ("SDQ", &[(1, 355), (3, 67), (4, 380)]),
    ("SLN", &[(1, 350), (3, 662)]),
    ("BAK", &[(1, 353), (2, 587), (3, 324), (4, 373)]),
    ("ACK", &[(1, 668)]),
    // 856
    ("BSN", &[(1, 353), (2, 396), (3, 373)]),
    ("HL", &[(1, 628), (3, 735)]),
    ("SN1", &[(2, 382), (3, 355)]),
    ("PRF", &[(1, 324)]),
    ("MAN", &[(1, 88), (2, 87)]),
    // 846
    ("BIA", &[(1, 353), (2, 755), (3, 127), (4, 373)]),
    // 810
    ("BIG", &[(1, 373), (2, 76)]),
    ("IT1", &[(2, 358), (4, 212)]),
    ("TDS", &[(1, 610)]),
    // 940 / 945
    ("W05", &[(1, 473), (2, 285)]),
    ("W66", &[(1, 146), (2, 91)]),
    ("W01", &[(1, 330), (2, 355)]),
    ("W06", &[(1, 514), (2, 285)]),
    ("W27", &[(1, 91)]),
    ("W12", &[(1, 368)]),
    ("W03", &[(1, 382)]),
    // 997 / 999
    ("AK1", &[(1, 479), (2, 28)]),
    ("AK2", &[(1, 143), (2, 329)]),
    ("AK3", &[(1, 721), (2, 719)]),
    ("AK4", &[(1, 722), (3, 723)]),
    ("AK5", &[(1, 717)]),
    ("AK9", &[(1, 715), (2, 97), (3, 123), (4, 2)]),
    ("IK3", &[(1, 721), (2, 719), (4, 620)]),
    ("IK4", &[(1, 722), (3, 621)]),
    ("IK5", &[(1, 717)]),
    // 214
    ("B10", &[(1, 127), (2, 145)]),
    ("L11", &[(1, 127), (2, 128)]),
    ("MS2", &[(1, 140), (2, 207)]),
];

/// (element position, data element reference number) pairs.
type Elements = &'static [(u8, u32)];

/// A segment id as a number (ids are two or three bytes); 0 for anything longer.
fn key(id: &str) -> u32 {
    let b = id.as_bytes();
    if b.len() > 3 {
        return 0;
    }
    b.iter().fold(0, |k, &c| (k << 8) | u32::from(c))
}

/// The mandatory elements of segment `id`: a binary search over [`MANDATORY`] sorted by
/// [`key`] (built once), instead of a string comparison per entry.
fn lookup(id: &str) -> Option<Elements> {
    static INDEX: OnceLock<Vec<(u32, Elements)>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut index: Vec<_> = MANDATORY.iter().map(|&(id, required)| (key(id), required)).collect();
        index.sort_unstable_by_key(|&(k, _)| k);
        index
    });
    let k = key(id);
    if k == 0 {
        return None;
    }
    index.binary_search_by_key(&k, |&(k, _)| k).ok().map(|i| index[i].1)
}

/// Records an AK4 code 1 for each mandatory element of `seg` that is empty or absent.
pub(super) fn mandatory(cx: &mut Cx<'_>, seg: &Segment<'_>) {
    let id = seg.id();
    let Some(required) = lookup(id) else { return };
    for &(n, reference) in required {
        if seg.text(n as usize).is_none() {
            let message = format!("{id}{n:02} (data element {reference}) is mandatory and missing");
            cx.bad(seg, n as usize, ElementCode::MandatoryMissing, Some(reference), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MANDATORY;

    #[test]
    fn each_segment_is_listed_once() {
        for (i, (id, _)) in MANDATORY.iter().enumerate() {
            assert!(!MANDATORY[i + 1..].iter().any(|(other, _)| other == id), "{id} is listed twice");
        }
    }
}
