//! What can be wrong with an X12 interchange, at each level, with the acknowledgment code
//! each problem maps to. The reader, the transaction mappers and the acknowledgment
//! builder all speak this one vocabulary, so an error found anywhere lands in the right
//! TA1 / AK9 / AK5 / AK3 / AK4 (or IK3 / IK4 / IK5) slot.

use std::fmt;

macro_rules! codes {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal, $text:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),* }
        impl $name {
            /// The code as it is written in the acknowledgment.
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),* } }
            /// What the code means, in the standard's words.
            pub fn text(self) -> &'static str { match self { $($name::$variant => $text),* } }
        }
    };
}

codes! {
    /// TA105: interchange note codes.
    Ta1Code {
        ControlNumberMismatch = "001", "The Interchange Control Number in the Header and Trailer Do Not Match";
        StandardNotSupported = "002", "This Standard as Noted in the Control Standards Identifier is Not Supported";
        VersionNotSupported = "003", "This Version of the Controls is Not Supported";
        SegmentTerminatorInvalid = "004", "The Segment Terminator is Invalid";
        SenderQualifierInvalid = "005", "Invalid Interchange ID Qualifier for Sender";
        SenderIdInvalid = "006", "Invalid Interchange Sender ID";
        ReceiverQualifierInvalid = "007", "Invalid Interchange ID Qualifier for Receiver";
        ReceiverIdInvalid = "008", "Invalid Interchange Receiver ID";
        AuthQualifierInvalid = "010", "Invalid Authorization Information Qualifier Value";
        AuthValueInvalid = "011", "Invalid Authorization Information Value";
        SecurityQualifierInvalid = "012", "Invalid Security Information Qualifier Value";
        SecurityValueInvalid = "013", "Invalid Security Information Value";
        DateInvalid = "014", "Invalid Interchange Date Value";
        TimeInvalid = "015", "Invalid Interchange Time Value";
        StandardsIdInvalid = "016", "Invalid Interchange Standards Identifier Value";
        VersionInvalid = "017", "Invalid Interchange Version ID Value";
        ControlNumberInvalid = "018", "Invalid Interchange Control Number Value";
        AckRequestedInvalid = "019", "Invalid Acknowledgment Requested Value";
        TestIndicatorInvalid = "020", "Invalid Test Indicator Value";
        GroupCountInvalid = "021", "Invalid Number of Included Groups Value";
        ControlStructureInvalid = "022", "Invalid Control Structure";
        PrematureEnd = "023", "Improper (Premature) End-of-File (Transmission)";
        ContentInvalid = "024", "Invalid Interchange Content (e.g., Invalid GS Segment)";
        DuplicateControlNumber = "025", "Duplicate Interchange Control Number";
        ElementSeparatorInvalid = "026", "Invalid Data Element Separator";
        ComponentSeparatorInvalid = "027", "Invalid Component Element Separator";
    }
}

codes! {
    /// AK905..AK909 / 999 AK905..: functional group errors.
    GroupCode {
        NotSupported = "1", "Functional Group Not Supported";
        VersionNotSupported = "2", "Functional Group Version Not Supported";
        TrailerMissing = "3", "Functional Group Trailer Missing";
        ControlNumberMismatch = "4", "Group Control Number in the Functional Group Header and Trailer Do Not Agree";
        CountMismatch = "5", "Number of Included Transaction Sets Does Not Match Actual Count";
        ControlNumberSyntax = "6", "Group Control Number Violates Syntax";
    }
}

codes! {
    /// AK502..AK506 / IK502..: transaction set errors.
    SetCode {
        NotSupported = "1", "Transaction Set Not Supported";
        TrailerMissing = "2", "Transaction Set Trailer Missing";
        ControlNumberMismatch = "3", "Transaction Set Control Number in Header and Trailer Do Not Match";
        SegmentCountMismatch = "4", "Number of Included Segments Does Not Match Actual Count";
        SegmentsInError = "5", "One or More Segments in Error";
        SetIdInvalid = "6", "Missing or Invalid Transaction Set Identifier";
        ControlNumberInvalid = "7", "Missing or Invalid Transaction Set Control Number";
        DuplicateControlNumber = "23", "Transaction Set Control Number Not Unique within the Functional Group";
    }
}

codes! {
    /// AK304 / IK304: segment errors.
    SegmentCode {
        Unrecognized = "1", "Unrecognized segment ID";
        Unexpected = "2", "Unexpected segment";
        MandatoryMissing = "3", "Required Segment Missing";
        LoopOverMax = "4", "Loop Occurs Over Maximum Times";
        ExceedsMaxUse = "5", "Segment Exceeds Maximum Use";
        NotInSet = "6", "Segment Not in Defined Transaction Set";
        OutOfSequence = "7", "Segment Not in Proper Sequence";
        ElementErrors = "8", "Segment Has Data Element Errors";
    }
}

codes! {
    /// AK403 / IK403: data element errors.
    ElementCode {
        MandatoryMissing = "1", "Required Data Element Missing";
        ConditionalMissing = "2", "Conditional Required Data Element Missing";
        TooMany = "3", "Too Many Data Elements";
        TooShort = "4", "Data Element Too Short";
        TooLong = "5", "Data Element Too Long";
        InvalidCharacter = "6", "Invalid Character In Data Element";
        InvalidCode = "7", "Invalid Code Value";
        InvalidDate = "8", "Invalid Date";
        InvalidTime = "9", "Invalid Time";
        ExclusionViolated = "10", "Exclusion Condition Violated";
        TooManyRepetitions = "12", "Too Many Repetitions";
        TooManyComponents = "13", "Too Many Components";
    }
}

/// Where a problem sits in the input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Location {
    /// 1-based ordinal of the segment in the whole input (the ISA of the first interchange is 1).
    pub segment: u32,
    /// 1-based line of the input where the segment starts.
    pub line: u32,
    /// The segment's id (`ISA`, `BEG`, ...), empty when none could be read.
    pub segment_id: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "segment {} (line {}", self.segment, self.line)?;
        if !self.segment_id.is_empty() {
            write!(f, ", {}", self.segment_id)?;
        }
        write!(f, ")")
    }
}

/// A problem with the interchange envelope (ISA/IEA): answered with a TA1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterchangeIssue {
    pub code: Ta1Code,
    pub at: Location,
    pub message: String,
    /// Rejects the interchange (TA104 `R`) rather than only noting it (`E`).
    pub fatal: bool,
}

/// A problem with a functional group envelope (GS/GE): answered in AK9.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupIssue {
    pub code: GroupCode,
    pub at: Location,
    pub message: String,
}

/// A problem with a transaction set as a whole (ST/SE): answered in AK5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetIssue {
    pub code: SetCode,
    pub at: Location,
    pub message: String,
}

/// A problem with one segment of a transaction set: answered in AK3, with AK4 detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentIssue {
    pub code: SegmentCode,
    pub at: Location,
    /// 1-based position of the segment in its transaction set (ST is 1): AK302.
    pub position: u32,
    /// The loop the segment sits in (AK303), e.g. `N1` or `HL`.
    pub loop_id: Option<String>,
    pub elements: Vec<ElementIssue>,
    pub message: String,
}

/// A problem with one data element: answered in AK4 / IK4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementIssue {
    pub code: ElementCode,
    /// 1-based position of the element in its segment (AK401-1).
    pub position: u32,
    /// 1-based component position, for composites (AK401-2).
    pub component: Option<u32>,
    /// X12 data element reference number (AK402), e.g. 128 for REF01.
    pub reference: Option<u32>,
    /// A copy of the bad value (AK404), when there is one.
    pub value: Option<String>,
    pub message: String,
}

impl fmt::Display for InterchangeIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [TA1 {}: {}]", self.at, self.message, self.code.code(), self.code.text())
    }
}

impl fmt::Display for GroupIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [AK9 {}: {}]", self.at, self.message, self.code.code(), self.code.text())
    }
}

impl fmt::Display for SetIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [AK5 {}: {}]", self.at, self.message, self.code.code(), self.code.text())
    }
}

impl fmt::Display for SegmentIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [AK3 {}: {}]", self.at, self.message, self.code.code(), self.code.text())?;
        for e in &self.elements {
            write!(f, "; {e}")?;
        }
        Ok(())
    }
}

impl fmt::Display for ElementIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "element {:02}", self.position)?;
        if let Some(c) = self.component {
            write!(f, "-{c}")?;
        }
        write!(f, ": {} [AK4 {}: {}]", self.message, self.code.code(), self.code.text())
    }
}
