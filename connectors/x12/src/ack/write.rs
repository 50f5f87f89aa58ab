//! Spelling acknowledgments out: the interchange, its TA1, and one 997 or 999 per
//! acknowledged group inside FA groups. Nothing is decided here, only written.

use super::{AckError, AckKind, AckOptions, GroupSummary, Ta1Summary};
use crate::control::{ControlKind, ControlNumbers};
use crate::issue::{ElementCode, GroupCode};
use crate::reader::{Delimiters, Interchange};
use crate::writer::{default_delimiters, GsHeader, IsaHeader, WriteError, X12Writer};

/// The acknowledgment interchange for `ic`, numbered from the sender's sequences.
pub(super) fn interchange(
    opts: &AckOptions,
    ic: &Interchange,
    ta1: Option<&Ta1Summary>,
    groups: &[GroupSummary],
    numbers: &mut dyn ControlNumbers,
) -> Result<Vec<u8>, AckError> {
    let isa = &ic.isa;
    // An ISA12 that is not five digits cannot be mirrored: answer in 00401, the most common.
    let version =
        Some(isa.version()).filter(|v| v.len() == 5 && v.bytes().all(|b| b.is_ascii_digit())).unwrap_or("00401");
    let delims = usable(isa.delimiters, version);
    let c = |s: &str| clean(&delims, s);
    let partner = format!("{}/{}", isa.sender_qualifier(), isa.sender_id());
    let (our_qualifier, our_id) = match &opts.our_qualifier_and_id {
        Some((q, id)) => (q.as_str(), id.as_str()),
        None => (isa.receiver_qualifier(), isa.receiver_id()),
    };
    // A usage indicator that cannot be read is answered as test: never claim production.
    let usage = isa.usage().chars().next().filter(|u| matches!(u, 'P' | 'T' | 'I')).unwrap_or('T');
    let (date, time) = (opts.now.date(), opts.now.time());
    let mut w = X12Writer::new(delims, true);
    w.begin_interchange(&IsaHeader {
        sender_qualifier: c(our_qualifier),
        sender_id: c(our_id),
        receiver_qualifier: c(isa.sender_qualifier()),
        receiver_id: c(isa.sender_id()),
        date,
        time,
        version: version.to_string(),
        control_number: numbers.next(&partner, ControlKind::Interchange)?,
        ack_requested: false,
        usage,
    })?;
    if let Some(t) = ta1 {
        w.segment("TA1", &[&c(&t.control_number), &c(isa.date()), &c(isa.time()), t.status.code(), t.note_code()])?;
    }
    for ((sender, receiver, gs08), batch) in batches(opts.kind, version, groups) {
        let control_number = numbers.next(&partner, ControlKind::Group)?;
        w.begin_group(&GsHeader {
            functional_id: "FA".into(),
            sender: c(&sender),
            receiver: c(&receiver),
            date,
            time,
            control_number,
            version: gs08.clone(),
        })?;
        for g in batch {
            let control = numbers.next(&partner, ControlKind::Set)?;
            functional_ack(&mut w, opts.kind, &gs08, g, control)?;
        }
        w.end_group()?;
    }
    w.end_interchange()?;
    Ok(w.finish())
}

/// One 997 or 999 for one inbound group. They differ only in spelling: the 999 says
/// IK3/IK4/IK5 where the 997 says AK3/AK4/AK5, and always carries AK103/AK203.
fn functional_ack(
    w: &mut X12Writer,
    kind: AckKind,
    gs08: &str,
    g: &GroupSummary,
    control: u64,
) -> Result<(), WriteError> {
    let (st01, ak3, ak4, ak5) = match kind {
        AckKind::Ack997 => ("997", "AK3", "AK4", "AK5"),
        AckKind::Ack999 => ("999", "IK3", "IK4", "IK5"),
    };
    let d = w.delimiters();
    let c = |s: &str| clean(&d, s);
    let v5 = kind == AckKind::Ack999 || gs08 >= "005010";
    let since_5010 = |s: &str| if v5 { c(s) } else { String::new() };
    w.begin_set(st01, control, gs08.ends_with("X231").then_some(gs08))?;
    w.segment("AK1", &[&c(&g.functional_id), &c(&g.control_number), &since_5010(&g.version)])?;
    for s in &g.sets {
        w.segment(
            "AK2",
            &[&c(&s.set_id), &c(&s.control_number), &since_5010(s.implementation.as_deref().unwrap_or(""))],
        )?;
        for i in &s.segment_issues {
            w.segment(
                ak3,
                &[&c(&i.at.segment_id), &ordinal(i.position), &c(i.loop_id.as_deref().unwrap_or("")), i.code.code()],
            )?;
            for e in &i.elements {
                let position = w.composite(&[&ordinal(e.position), &e.component.map_or(String::new(), ordinal)]);
                let reference = e.reference.map_or(String::new(), ordinal);
                let copy: String = c(e.value.as_deref().unwrap_or("")).chars().take(99).collect();
                w.segment(ak4, &[&position, &reference, element_code(e.code, v5), &copy])?;
            }
        }
        let ak5_elements: Vec<&str> =
            std::iter::once(s.status.code()).chain(s.codes.iter().map(|k| k.code())).collect();
        w.segment(ak5, &ak5_elements)?;
    }
    let counts = [g.included, g.received, g.accepted].map(|n| n.to_string());
    let mut ak9: Vec<&str> = vec![g.status.code(), &counts[0], &counts[1], &counts[2]];
    ak9.extend(g.codes.iter().map(|k| k.code()));
    w.segment("AK9", &ak9)?;
    w.end_set()
}

/// AK403 codes 12 (too many repetitions) and 13 (too many components) only exist from
/// 005010 on. An older 997 says 3 (too many data elements, the closest meaning) for 13,
/// and 7 (invalid code value) for 12: without a repetition separator (ISA11 is `U` before
/// 00402) what looks like repetitions is a value the element does not allow.
fn element_code(code: ElementCode, v5: bool) -> &'static str {
    match code {
        ElementCode::TooManyRepetitions if !v5 => "7",
        ElementCode::TooManyComponents if !v5 => "3",
        _ => code.code(),
    }
}

/// GS02, GS03 and GS08 of an FA group.
type FaEnvelope = (String, String, String);

/// Acknowledged groups that share an FA envelope: same application ids, same GS08. One
/// batch in practice; an interchange mixing releases gets one FA group per release.
fn batches<'g>(
    kind: AckKind,
    isa_version: &str,
    groups: &'g [GroupSummary],
) -> Vec<(FaEnvelope, Vec<&'g GroupSummary>)> {
    let mut out: Vec<(FaEnvelope, Vec<&GroupSummary>)> = Vec::new();
    for g in groups {
        let key = (g.receiver.clone(), g.sender.clone(), ack_version(kind, g, isa_version));
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, batch)) => batch.push(g),
            None => out.push((key, vec![g])),
        }
    }
    out
}

/// GS08 of the acknowledgment: the release of the group acknowledged (from ISA12 when its
/// GS08 has none, or one we do not support), and for a 999 of 005010 its guide, 005010X231.
fn ack_version(kind: AckKind, g: &GroupSummary, isa_version: &str) -> String {
    let supported = !g.codes.contains(&GroupCode::VersionNotSupported);
    let release = g.version.get(..6).filter(|r| supported && r.bytes().all(|b| b.is_ascii_digit()));
    let release = release.map_or_else(|| format!("{isa_version}0"), str::to_string);
    if kind == AckKind::Ack999 && release == "005010" {
        "005010X231".into()
    } else {
        release
    }
}

/// A 1-based position; 0 (unknown) is left blank.
fn ordinal(n: u32) -> String {
    if n == 0 {
        String::new()
    } else {
        n.to_string()
    }
}

/// The inbound delimiters, unless they cannot delimit (a letter, a digit, a space, or
/// one character doing two jobs): then Crossdock's own.
fn usable(d: Delimiters, version: &str) -> Delimiters {
    let all: Vec<u8> = [d.element, d.component, d.segment.as_bytes()[0]].into_iter().chain(d.repetition).collect();
    let distinct = all.iter().enumerate().all(|(i, b)| !all[i + 1..].contains(b));
    if distinct && !all.iter().any(|b| b.is_ascii_alphanumeric() || *b == b' ') {
        return d;
    }
    Delimiters { repetition: (version >= "00402").then_some(b'^'), ..default_delimiters() }
}

/// A value copied from the inbound, less every character that would delimit in the
/// acknowledgment (X12 has no escape) and line breaks.
fn clean(d: &Delimiters, s: &str) -> String {
    let taken =
        [Some(d.element), Some(d.component), d.repetition, Some(d.segment.as_bytes()[0]), Some(b'\r'), Some(b'\n')];
    s.chars().filter(|ch| !ch.encode_utf8(&mut [0; 4]).bytes().any(|b| taken.contains(&Some(b)))).collect()
}
