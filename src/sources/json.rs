//! Lenient JSON access shared by the sources.
//!
//! Real logs put numbers where strings belong, `null` where objects belong, and change key case
//! between exports (`accountId`, `AccountId`, `accountid`). The projection types here accept any
//! JSON value and keep what fits, so one odd field never fails a record, let alone a file.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::Value;

use crate::time;

/// A string field that also accepts numbers and booleans (as text) and ignores anything else.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Str<'a>(pub Option<Cow<'a, str>>);

impl<'a> Str<'a> {
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// The value, unless empty, leaving the field empty.
    pub fn take(&mut self) -> Option<Cow<'a, str>> {
        self.0.take().filter(|value| !value.is_empty())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor<'a>(PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for StrVisitor<'a> {
            type Value = Str<'a>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Str<'a>, E> {
                Ok(Str(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Str<'a>, E> {
                Ok(Str(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Str<'a>, E> {
                Ok(Str(Some(Cow::Owned(v))))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Str<'a>, E> {
                Ok(Str(Some(Cow::Borrowed(if v { "true" } else { "false" }))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Str<'a>, E> {
                Ok(Str(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Str<'a>, E> {
                Ok(Str(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Str<'a>, E> {
                Ok(Str(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_unit<E>(self) -> Result<Str<'a>, E> {
                Ok(Str(None))
            }
            fn visit_none<E>(self) -> Result<Str<'a>, E> {
                Ok(Str(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Str<'a>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Str(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Str<'a>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Str(None))
            }
        }

        deserializer.deserialize_any(StrVisitor(PhantomData))
    }
}

/// Visitor methods that accept every scalar JSON value and yield `$empty`: the field had a
/// shape the projection does not read.
macro_rules! ignore_scalars {
    ($value:ty, $empty:expr) => {
        fn visit_borrowed_str<E>(self, _: &'de str) -> Result<$value, E> {
            Ok($empty)
        }
        fn visit_str<E>(self, _: &str) -> Result<$value, E> {
            Ok($empty)
        }
        fn visit_bool<E>(self, _: bool) -> Result<$value, E> {
            Ok($empty)
        }
        fn visit_i64<E>(self, _: i64) -> Result<$value, E> {
            Ok($empty)
        }
        fn visit_u64<E>(self, _: u64) -> Result<$value, E> {
            Ok($empty)
        }
        fn visit_f64<E>(self, _: f64) -> Result<$value, E> {
            Ok($empty)
        }
        fn visit_unit<E>(self) -> Result<$value, E> {
            Ok($empty)
        }
        fn visit_none<E>(self) -> Result<$value, E> {
            Ok($empty)
        }
    };
}

/// An object field: the projection `T` when the value is an object, `None` for anything else.
#[derive(Debug, Clone, PartialEq)]
pub struct Obj<T>(pub Option<T>);

impl<T> Default for Obj<T> {
    fn default() -> Self {
        Obj(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
            type Value = Obj<T>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| Obj(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Obj<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Obj(None))
            }
            ignore_scalars!(Obj<T>, Obj(None));
        }

        deserializer.deserialize_any(ObjVisitor(PhantomData))
    }

    /// Deserializes into the projection already in place, so one kept for record after record
    /// is overwritten rather than built again.
    fn deserialize_in_place<D: Deserializer<'de>>(
        deserializer: D,
        place: &mut Self,
    ) -> Result<(), D::Error> {
        struct Refill<'p, T>(&'p mut T);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for Refill<'_, T> {
            /// Whether the value was an object and filled the projection.
            type Value = bool;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<bool, A::Error> {
                T::deserialize_in_place(de::value::MapAccessDeserializer::new(map), self.0)?;
                Ok(true)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(false)
            }
            ignore_scalars!(bool, false);
        }

        match &mut place.0 {
            Some(projection) => {
                if !deserializer.deserialize_any(Refill(projection))? {
                    place.0 = None;
                }
                Ok(())
            }
            None => {
                *place = Obj::deserialize(deserializer)?;
                Ok(())
            }
        }
    }
}

/// An array field whose elements are projected with `T`; anything but an array is empty.
#[derive(Debug, Clone, PartialEq)]
pub struct Arr<T>(pub Vec<T>);

impl<T> Default for Arr<T> {
    fn default() -> Self {
        Arr(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Arr<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ArrVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ArrVisitor<T> {
            type Value = Arr<T>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Arr<T>, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Arr(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Arr<T>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Arr(Vec::new()))
            }
            ignore_scalars!(Arr<T>, Arr(Vec::new()));
        }

        deserializer.deserialize_any(ArrVisitor(PhantomData))
    }

    /// Refills the vector in place, keeping its capacity.
    fn deserialize_in_place<D: Deserializer<'de>>(
        deserializer: D,
        place: &mut Self,
    ) -> Result<(), D::Error> {
        struct Refill<'p, T>(&'p mut Vec<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for Refill<'_, T> {
            type Value = ();

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
                while let Some(item) = seq.next_element()? {
                    self.0.push(item);
                }
                Ok(())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(())
            }
            ignore_scalars!((), ());
        }

        place.0.clear();
        deserializer.deserialize_any(Refill(&mut place.0))
    }
}

/// Deserializes into `T` in place: a seed for `next_element_seed` and `next_value_seed`.
pub struct InPlace<'p, T>(pub &'p mut T);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for InPlace<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        T::deserialize_in_place(deserializer, self.0)
    }
}

/// Looks a key up as written, then ignoring case (`accountId`, `AccountId`, `accountid`).
pub fn get<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    let map = value.as_object()?;
    map.get(key).or_else(|| {
        map.iter()
            .find(|(candidate, _)| candidate.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Follows a path of keys with [`get`].
pub fn at<'v>(value: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter()
        .try_fold(value, |current, key| get(current, key))
}

/// The text at a path: strings as they are, numbers and booleans as text, nothing for empty.
pub fn str_at<'v>(value: &'v Value, path: &[&str]) -> Option<Cow<'v, str>> {
    as_text(at(value, path)?)
}

pub fn as_text(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::String(s) if !s.is_empty() => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

/// The first path that holds text.
pub fn first_str<'v>(value: &'v Value, paths: &[&[&str]]) -> Option<Cow<'v, str>> {
    paths.iter().find_map(|path| str_at(value, path))
}

/// A number at a path, also when written as a string (`"8.0"`).
pub fn num_at(value: &Value, path: &[&str]) -> Option<f64> {
    match at(value, path)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A timestamp at a path: ISO text, or an epoch number (seconds, ms, float) as number or text.
pub fn time_at(value: &Value, path: &[&str]) -> Option<i64> {
    match at(value, path)? {
        Value::String(s) => time::parse_any(s),
        Value::Number(n) => n.as_f64().and_then(time::from_epoch_number),
        _ => None,
    }
}

/// The first path that holds a timestamp.
pub fn first_time(value: &Value, paths: &[&[&str]]) -> Option<i64> {
    paths.iter().find_map(|path| time_at(value, path))
}

/// Names the keys of an unrecognised object, for a skip reason.
pub fn describe_keys(value: &Value) -> String {
    match value.as_object() {
        Some(map) => {
            let keys: Vec<&str> = map.keys().take(6).map(String::as_str).collect();
            let more = if map.len() > 6 { ", ..." } else { "" };
            format!("keys: {}{more}", keys.join(", "))
        }
        None => format!("a JSON {}, not an object", kind_name(value)),
    }
}

fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize, Default)]
    struct Probe<'a> {
        #[serde(borrow, default)]
        name: Str<'a>,
        #[serde(default)]
        inner: Obj<Inner>,
        #[serde(default)]
        list: Arr<u32>,
    }

    #[derive(Deserialize)]
    struct Inner {
        n: u32,
    }

    #[test]
    fn projections_accept_any_shape() {
        let probe: Probe =
            serde_json::from_str(r#"{"name": 12, "inner": "x", "list": {}}"#).unwrap();
        assert_eq!(probe.name.get(), Some("12"));
        assert!(probe.inner.0.is_none());
        assert!(probe.list.0.is_empty());

        let probe: Probe =
            serde_json::from_str(r#"{"name": "a", "inner": {"n": 3}, "list": [1, 2]}"#).unwrap();
        assert!(matches!(probe.name.0, Some(Cow::Borrowed("a"))));
        assert_eq!(probe.inner.0.map(|i| i.n), Some(3));
        assert_eq!(probe.list.0, vec![1, 2]);
    }

    #[test]
    fn lookups_ignore_key_case() {
        let value =
            json!({"AccountId": "1", "Service": {"eventFirstSeen": "2020-01-01T00:00:00Z"}});
        assert_eq!(str_at(&value, &["accountId"]).as_deref(), Some("1"));
        assert!(time_at(&value, &["service", "EventFirstSeen"]).is_some());
        assert_eq!(num_at(&json!({"s": "8.5"}), &["s"]), Some(8.5));
        assert_eq!(describe_keys(&json!([1])), "a JSON array, not an object");
    }
}
