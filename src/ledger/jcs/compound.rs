//! Arrays and objects of the streaming writer (`stream.rs`). An array's elements go
//! straight to the output; an object's members are buffered, then written sorted by
//! name when it closes.

use super::stream::{Error, Pool, Writer};
use super::text::key_order;
use serde::ser::{self, Serialize};

/// An array being written: elements go straight to the output, in order.
pub(super) struct Array<'a> {
    out: &'a mut Vec<u8>,
    pool: &'a mut Pool,
    first: bool,
    /// Inside `{"variant":…}`, which needs its closing brace.
    variant: bool,
}

impl<'a> Array<'a> {
    /// Writes `[`; `variant` when inside `{"variant":…}`, which `close` also ends.
    pub(super) fn open(out: &'a mut Vec<u8>, pool: &'a mut Pool, variant: bool) -> Self {
        out.push(b'[');
        Array {
            out,
            pool,
            first: true,
            variant,
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        value.serialize(Writer {
            out: &mut *self.out,
            pool: &mut *self.pool,
            extra: &[],
        })
    }

    fn close(self) -> Result<(), Error> {
        self.out.push(b']');
        if self.variant {
            self.out.push(b'}');
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTuple for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTupleStruct for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTupleVariant for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

/// A member name: struct fields and the seal's own fields are static; a map key is
/// text in the object's buffer (between `start` and `end`), written there as it came.
#[derive(Clone, Copy)]
enum Key {
    Static(&'static str),
    Buffered { start: usize, end: usize },
}

/// One member of an object being written: its name and where its value's bytes are
/// in the object's buffer.
pub(super) struct Member {
    key: Key,
    start: usize,
    end: usize,
}

impl Member {
    fn name<'b>(&self, buf: &'b [u8]) -> &'b [u8] {
        match self.key {
            Key::Static(name) => name.as_bytes(),
            Key::Buffered { start, end } => &buf[start..end],
        }
    }
}

/// An object being written. Values are written to a buffer of the object's own as
/// they arrive (in declaration or map order); `end` sorts the names and copies the
/// members out in canonical order.
pub(super) struct Object<'a, 'x> {
    out: &'a mut Vec<u8>,
    pool: &'a mut Pool,
    buf: Vec<u8>,
    members: Vec<Member>,
    /// The key of a map entry whose value has not arrived yet.
    pending_key: Option<Key>,
    /// Members merged in at the end (the seal's fields, at the top level only).
    extra: &'x [(&'static str, &'x [u8])],
    /// Inside `{"variant":…}`, which needs its closing brace.
    variant: bool,
}

impl<'a, 'x> Object<'a, 'x> {
    /// An object whose members are buffered until `close`; `extra` members are merged
    /// in then, and `variant` closes the `{"variant":…}` around it too.
    pub(super) fn open(
        out: &'a mut Vec<u8>,
        pool: &'a mut Pool,
        extra: &'x [(&'static str, &'x [u8])],
        variant: bool,
    ) -> Self {
        let (buf, members) = pool.pop().unwrap_or_default();
        Object {
            out,
            pool,
            buf,
            members,
            pending_key: None,
            extra,
            variant,
        }
    }

    fn member<T: Serialize + ?Sized>(&mut self, key: Key, value: &T) -> Result<(), Error> {
        let start = self.buf.len();
        value.serialize(Writer {
            out: &mut self.buf,
            pool: &mut *self.pool,
            extra: &[],
        })?;
        self.members.push(Member {
            key,
            start,
            end: self.buf.len(),
        });
        Ok(())
    }

    fn close(mut self) -> Result<(), Error> {
        for (name, value) in self.extra {
            let start = self.buf.len();
            self.buf.extend_from_slice(value);
            self.members.push(Member {
                key: Key::Static(name),
                start,
                end: self.buf.len(),
            });
        }
        let buf = &self.buf;
        let in_order = self
            .members
            .windows(2)
            .all(|w| key_order(w[0].name(buf), w[1].name(buf)).is_lt());
        if !in_order {
            // A stable sort keeps repeated names in arrival order, and only the last of
            // each is written: a `Value` map keeps the last insert too.
            self.members
                .sort_by(|a, b| key_order(a.name(buf), b.name(buf)));
            let mut i = 0;
            while i + 1 < self.members.len() {
                if key_order(self.members[i].name(buf), self.members[i + 1].name(buf)).is_eq() {
                    self.members.remove(i);
                } else {
                    i += 1;
                }
            }
        }
        self.out.push(b'{');
        for (i, m) in self.members.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            // Names need no escaping: struct fields are identifiers, and a map key
            // that needed an escape was refused in `serialize_key`.
            self.out.push(b'"');
            self.out.extend_from_slice(m.name(buf));
            self.out.extend_from_slice(b"\":");
            self.out.extend_from_slice(&buf[m.start..m.end]);
        }
        self.out.push(b'}');
        if self.variant {
            self.out.push(b'}');
        }
        self.buf.clear();
        self.members.clear();
        self.pool.push((
            std::mem::take(&mut self.buf),
            std::mem::take(&mut self.members),
        ));
        Ok(())
    }
}

impl ser::SerializeMap for Object<'_, '_> {
    type Ok = ();
    type Error = Error;

    /// The key is written into the buffer as a JSON value. Plain text (a string that
    /// needed no escape) is kept as the name; anything else — a number, or text with a
    /// quote, backslash or control character — is refused, and the caller's `Value`
    /// route handles those rare keys the way serde_json does.
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        let at = self.buf.len();
        key.serialize(Writer {
            out: &mut self.buf,
            pool: &mut *self.pool,
            extra: &[],
        })?;
        let written = &self.buf[at..];
        let plain = written.len() >= 2
            && written[0] == b'"'
            && written[written.len() - 1] == b'"'
            && !written.contains(&b'\\');
        if !plain {
            return Err(Error("map key that is not plain text".into()));
        }
        self.pending_key = Some(Key::Buffered {
            start: at + 1,
            end: self.buf.len() - 1,
        });
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .pending_key
            .take()
            .ok_or_else(|| Error("map value without a key".into()))?;
        self.member(key, value)
    }

    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeStruct for Object<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.member(Key::Static(key), value)
    }

    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeStructVariant for Object<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.member(Key::Static(key), value)
    }

    fn end(self) -> Result<(), Error> {
        self.close()
    }
}
