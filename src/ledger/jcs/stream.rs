//! RFC 8785 bytes written straight from any `Serialize` value, without building a
//! `serde_json::Value` first. Sealing runs once per ingested event, and the detour
//! through `Value` (a map per object, a `String` per key and value, then a walk to
//! write them) cost more than everything else in sealing together.
//!
//! The output must be byte for byte what [`super::canonicalize`] gives for
//! `serde_json::to_value(x)`, so every choice below mirrors serde_json's `Value`
//! serializer: integers and floats both become doubles written the ECMAScript way,
//! non-finite floats become `null`, a repeated member name keeps its last value, and
//! members are sorted by UTF-16 code units. A value this writer refuses (a map key that
//! is not text) is reported as an error so the caller can fall back to the `Value` path.
//! Arrays and objects being written are in `compound.rs`.

use super::compound::{Array, Member, Object};
use super::number::{write_double, write_integer};
use super::text::write_string;
use serde::ser::{self, Serialize};
use std::cell::RefCell;
use thiserror::Error;

thread_local! {
    /// Object buffers kept between records, so a sealing thread stops allocating for
    /// them after its first few events.
    static POOL: RefCell<Pool> = const { RefCell::new(Vec::new()) };
}

/// Appends the RFC 8785 bytes of `value` to `out`; `extra` members (name and
/// already-canonical value bytes) are merged into the top-level object. On error `out`
/// may hold a partial write.
pub fn write_record<T: Serialize + ?Sized>(
    value: &T,
    extra: &[(&'static str, &[u8])],
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let mut pool = POOL.with(|p| std::mem::take(&mut *p.borrow_mut()));
    let result = value.serialize(Writer {
        out,
        pool: &mut pool,
        extra,
    });
    POOL.with(|p| *p.borrow_mut() = pool);
    result
}

/// A value the writer cannot express the way serde_json's `Value` would.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct Error(pub(super) String);

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// Spare member buffers, reused by the objects of one record so that nesting does
/// not allocate per object.
pub(super) type Pool = Vec<(Vec<u8>, Vec<Member>)>;

/// Writes one value into `out`. `extra` is non-empty only for the top-level value.
pub(super) struct Writer<'a, 'x> {
    pub(super) out: &'a mut Vec<u8>,
    pub(super) pool: &'a mut Pool,
    pub(super) extra: &'x [(&'static str, &'x [u8])],
}

impl<'a, 'x> Writer<'a, 'x> {
    fn number(self, f: f64) -> Result<(), Error> {
        if f.is_finite() {
            write_double(f, self.out);
        } else {
            self.out.extend_from_slice(b"null");
        }
        Ok(())
    }

    fn integer(self, v: i128) -> Result<(), Error> {
        write_integer(v, self.out);
        Ok(())
    }

    fn object(self, variant: bool) -> Object<'a, 'x> {
        Object::open(self.out, self.pool, self.extra, variant)
    }

    /// `{"variant":` … `}` around an enum variant's content, as serde_json writes it.
    fn open_variant(&mut self, variant: &str) {
        self.out.push(b'{');
        write_string(variant, self.out);
        self.out.push(b':');
    }
}

impl<'a, 'x> ser::Serializer for Writer<'a, 'x> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Array<'a>;
    type SerializeTuple = Array<'a>;
    type SerializeTupleStruct = Array<'a>;
    type SerializeTupleVariant = Array<'a>;
    type SerializeMap = Object<'a, 'x>;
    type SerializeStruct = Object<'a, 'x>;
    type SerializeStructVariant = Object<'a, 'x>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if v { b"true" as &[u8] } else { b"false" });
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.integer(i128::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.integer(i128::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.integer(i128::from(v))
    }

    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.integer(i128::from(v))
    }

    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.integer(i128::from(v))
    }

    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.integer(i128::from(v))
    }

    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.integer(i128::from(v))
    }

    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.integer(i128::from(v))
    }

    // serde_json's `Value` holds only 64-bit integers; wider ones are refused, as
    // `to_value` refuses them.
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        if i64::try_from(v).is_ok() || u64::try_from(v).is_ok() {
            self.integer(v)
        } else {
            Err(Error("number out of range".into()))
        }
    }

    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        match u64::try_from(v) {
            Ok(u) => self.integer(i128::from(u)),
            Err(_) => Err(Error("number out of range".into())),
        }
    }

    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.number(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.number(v)
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        write_string(v.encode_utf8(&mut [0; 4]), self.out);
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_string(v, self.out);
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        let mut seq = ser::Serializer::serialize_seq(self, Some(v.len()))?;
        for b in v {
            ser::SerializeSeq::serialize_element(&mut seq, b)?;
        }
        ser::SerializeSeq::end(seq)
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        mut self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.open_variant(variant);
        value.serialize(Writer {
            out: &mut *self.out,
            pool: &mut *self.pool,
            extra: &[],
        })?;
        self.out.push(b'}');
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Array<'a>, Error> {
        Ok(Array::open(self.out, self.pool, false))
    }

    fn serialize_tuple(self, len: usize) -> Result<Array<'a>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Array<'a>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        mut self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Array<'a>, Error> {
        self.open_variant(variant);
        Ok(Array::open(self.out, self.pool, true))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Object<'a, 'x>, Error> {
        Ok(self.object(false))
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Object<'a, 'x>, Error> {
        Ok(self.object(false))
    }

    fn serialize_struct_variant(
        mut self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Object<'a, 'x>, Error> {
        self.open_variant(variant);
        Ok(Writer {
            out: self.out,
            pool: self.pool,
            extra: &[],
        }
        .object(true))
    }
}
