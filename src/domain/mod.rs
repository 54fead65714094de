//! Pure domain logic: the organisation structure, the question state machine, binding statuses,
//! working-day arithmetic and personal-data detection. No I/O here.

pub mod answer;
pub mod calendar;
pub mod catalogue;
pub mod consistency;
pub mod countries;
pub mod mail;
pub mod paging;
pub mod pii;
pub mod question;
pub mod queue;
pub mod redact;
pub mod register;
pub mod sla;
pub mod structure;

/// Parses one of a closed set of strings, for enums stored as text and sent over the API.
pub trait Code: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn as_str(self) -> &'static str;
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }
    /// The accepted values, for error messages.
    fn choices() -> String {
        Self::ALL
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Implements `Code`, `Display` and serde for a fieldless enum from a list of `Variant => "text"`.
#[macro_export]
macro_rules! text_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $crate::domain::Code for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::domain::Code::as_str(*self))
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::domain::Code::as_str(*self))
            }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                <$name as $crate::domain::Code>::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown value '{}', expected one of: {}",
                        s,
                        <$name as $crate::domain::Code>::choices()
                    ))
                })
            }
        }
    };
}
