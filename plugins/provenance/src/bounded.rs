//! Deserializers that keep memory bounded whatever an attestation holds.
//!
//! An attestation is untrusted JSON of up to 16 MiB: a list of a million empty objects or a
//! digest map of a million algorithms fits in that. These types read such input to the end
//! (so the JSON is still checked) but keep only the first few entries and count the rest,
//! and skip what they do not need with [`serde::de::IgnoredAny`], which allocates nothing.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A JSON list of which at most `N` entries are kept; `total` counts them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounded<T, const N: usize> {
    /// The first `N` entries.
    pub items: Vec<T>,
    /// How many entries the list had.
    pub total: usize,
}

impl<T, const N: usize> Default for Bounded<T, N> {
    fn default() -> Self {
        Bounded {
            items: Vec::new(),
            total: 0,
        }
    }
}

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for Bounded<T, N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Seq<T, const N: usize>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for Seq<T, N> {
            type Value = Bounded<T, N>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Bounded::default();
                while out.items.len() < N {
                    match seq.next_element::<T>()? {
                        Some(item) => {
                            out.items.push(item);
                            out.total += 1;
                        }
                        None => return Ok(out),
                    }
                }
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    out.total = out.total.saturating_add(1);
                }
                Ok(out)
            }
        }

        deserializer.deserialize_seq(Seq::<T, N>(PhantomData))
    }
}

/// Most other algorithm names kept from one digest map.
const MAX_OTHER_ALGORITHMS: usize = 8;

/// A `digest` object (algorithm → hex): its `sha256`, and the names of the other algorithms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Digests {
    /// The `sha256` value, lowercased, when it is a string.
    pub sha256: Option<String>,
    /// Other algorithms named (the first few), e.g. `sha512`, `gitCommit`.
    pub others: Vec<String>,
}

impl<'de> Deserialize<'de> for Digests {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Map;

        impl<'de> Visitor<'de> for Map {
            type Value = Digests;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a digest object of algorithm names and hex strings")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Digests, A::Error> {
                let mut out = Digests::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "sha256" {
                        let value: String = map.next_value()?;
                        out.sha256 = Some(value.to_ascii_lowercase());
                    } else {
                        map.next_value::<IgnoredAny>()?;
                        if out.others.len() < MAX_OTHER_ALGORITHMS {
                            out.others.push(stagegate_sdk::text::shorten(&key, 40));
                        }
                    }
                }
                Ok(out)
            }
        }

        deserializer.deserialize_map(Map)
    }
}

/// A string, or an object whose `uri` is the string (`{"uri": "git+https://…", "digest": …}`),
/// as provenance writes a source either way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UriOrString(pub Option<String>);

impl<'de> Deserialize<'de> for UriOrString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either;

        impl<'de> Visitor<'de> for Either {
            type Value = UriOrString;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a URI string or an object with a `uri`")
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<UriOrString, E> {
                Ok(UriOrString(Some(value.to_owned())))
            }

            fn visit_unit<E: serde::de::Error>(self) -> Result<UriOrString, E> {
                Ok(UriOrString(None))
            }

            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<UriOrString, E> {
                Ok(UriOrString(None))
            }

            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<UriOrString, E> {
                Ok(UriOrString(None))
            }

            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<UriOrString, E> {
                Ok(UriOrString(None))
            }

            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<UriOrString, E> {
                Ok(UriOrString(None))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UriOrString, A::Error> {
                let mut uri = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "uri" {
                        uri = map.next_value::<Option<String>>()?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(UriOrString(uri))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<UriOrString, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(UriOrString(None))
            }
        }

        deserializer.deserialize_any(Either)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_keeps_its_first_entries_and_counts_all() {
        let text = format!("[{}1]", "1,".repeat(9_999));
        let list: Bounded<u8, 3> = serde_json::from_str(&text).unwrap();
        assert_eq!(list.items, [1, 1, 1]);
        assert_eq!(list.total, 10_000);
        let short: Bounded<u8, 3> = serde_json::from_str("[7]").unwrap();
        assert_eq!((short.items, short.total), (vec![7], 1));
        assert!(serde_json::from_str::<Bounded<u8, 3>>("{}").is_err());
        assert!(serde_json::from_str::<Bounded<u8, 3>>("[1,2,3,4,\"x\"").is_err());
    }

    #[test]
    fn digests_keep_sha256_and_name_the_others() {
        let d: Digests =
            serde_json::from_str(r#"{"sha512":"ab","sha256":"ABCD","gitCommit":"1"}"#).unwrap();
        assert_eq!(d.sha256.as_deref(), Some("abcd"));
        assert_eq!(d.others, ["sha512", "gitCommit"]);
        let many = format!(
            "{{{}}}",
            (0..100)
                .map(|i| format!("\"a{i}\":\"x\""))
                .collect::<Vec<_>>()
                .join(",")
        );
        let d: Digests = serde_json::from_str(&many).unwrap();
        assert_eq!(d.others.len(), MAX_OTHER_ALGORITHMS);
        assert!(serde_json::from_str::<Digests>(r#"{"sha256":1}"#).is_err());
    }

    #[test]
    fn a_source_is_a_string_or_an_object_with_a_uri() {
        let read = |text: &str| serde_json::from_str::<UriOrString>(text).unwrap().0;
        assert_eq!(read(r#""git+https://x""#).as_deref(), Some("git+https://x"));
        assert_eq!(
            read(r#"{"digest":{"sha1":"0"},"uri":"git+https://y"}"#).as_deref(),
            Some("git+https://y")
        );
        assert_eq!(read("null"), None);
        assert_eq!(read("[1,2]"), None);
        assert_eq!(read("12"), None);
        assert_eq!(read(r#"{"x":1}"#), None);
    }
}
