//! Bytes to [`Value`]s: ring-buffer records and map entries, following [`ir::abi`].
//!
//! Everything here is pure (no system calls), so it is tested without a kernel.

use std::collections::HashMap;

use ir::abi;
use ir::{ActionId, IntType, MapDecl, MapKind, Program, StructLayout, Type};

use crate::value::{AvgState, Buckets, DistBuckets, MapEntries, MapSnapshot, StddevState, Value};

/// Why some bytes could not be decoded (always a disagreement between the BPF side and the
/// runtime about sizes or ids, never a user error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn slice<'a>(
    bytes: &'a [u8],
    offset: usize,
    len: usize,
    what: &dyn Fn() -> String,
) -> Result<&'a [u8], DecodeError> {
    bytes
        .get(offset..offset.saturating_add(len))
        .ok_or_else(|| {
            DecodeError(format!(
                "{}: need {} bytes at offset {offset}, have {}",
                what(),
                len,
                bytes.len()
            ))
        })
}

fn read_u64(bytes: &[u8], offset: usize) -> Result<u64, DecodeError> {
    let b = slice(bytes, offset, 8, &|| "u64".to_string())?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Ok(u64::from_le_bytes(a))
}

/// Decodes an integer of `it` from the start of `bytes` (little-endian, sign-extended when
/// signed).
pub fn decode_int(it: IntType, bytes: &[u8]) -> Result<Value, DecodeError> {
    let n = usize::from(it.bits / 8).clamp(1, 8);
    let b = slice(bytes, 0, n, &|| format!("int{}", it.bits))?;
    let mut a = [0u8; 8];
    a[..n].copy_from_slice(b);
    let raw = u64::from_le_bytes(a);
    if it.signed {
        let shift = 64 - 8 * n as u32;
        Ok(Value::Int(((raw << shift) as i64) >> shift))
    } else {
        Ok(Value::Uint(raw))
    }
}

/// Decodes one value of type `ty` from the start of `bytes`. `probe_names` resolves
/// [`Type::ProbeName`] indexes.
pub fn decode_value(ty: &Type, bytes: &[u8], probe_names: &[String]) -> Result<Value, DecodeError> {
    let size = ty.size() as usize;
    let b = slice(bytes, 0, size, &|| format!("value of type {ty}"))?;
    Ok(match ty {
        Type::Void => Value::Tuple(Vec::new()),
        Type::Text(kind) => Value::Str(crate::text::render(kind, b)),
        Type::Bool => Value::Bool(b[0] != 0),
        Type::Int(it) => decode_int(*it, b)?,
        Type::Str { size } => Value::Str(truncated_string(b, *size)),
        Type::Buffer { size } => {
            let mut len = [0u8; 4];
            len.copy_from_slice(&b[..4]);
            let len = (u32::from_le_bytes(len).min(*size)) as usize;
            Value::Buffer(b[4..4 + len].to_vec())
        }
        Type::Array { elem, len } => {
            let es = elem.size() as usize;
            let mut out = Vec::with_capacity(*len as usize);
            for i in 0..*len as usize {
                out.push(decode_value(elem, &b[i * es..], probe_names)?);
            }
            Value::Array(out)
        }
        Type::Tuple(fields) => {
            let layout = StructLayout::of(fields.iter());
            Value::Tuple(decode_fields(fields.iter(), &layout, b, probe_names)?)
        }
        Type::Record(fields) => {
            let layout = StructLayout::of(fields.iter().map(|(_, t)| t));
            let values = decode_fields(fields.iter().map(|(_, t)| t), &layout, b, probe_names)?;
            Value::Record(fields.iter().map(|(n, _)| n.clone()).zip(values).collect())
        }
        Type::Ptr { .. } => Value::Pointer(read_u64(b, 0)?),
        Type::Stack(st) => Value::Stack(decode_stack(st, b)?),
        Type::Symbol { kernel, module } => Value::Symbol(crate::value::Symbol {
            kernel: *kernel,
            module: *module,
            pid: read_u32(b, abi::SYMBOL_PID as usize)?,
            addr: read_u64(b, abi::SYMBOL_ADDR as usize)?,
            sym: None,
        }),
        Type::Struct(st) => Value::Record(decode_struct(st, b, probe_names)?),
        Type::ProbeName => {
            let index = read_u64(b, 0)?;
            let name = usize::try_from(index).ok().and_then(|i| probe_names.get(i));
            Value::ProbeName(name.cloned().unwrap_or_else(|| format!("<probe {index}>")))
        }
    })
}

/// The named fields of a C struct value (bitfields extracted, anonymous members flattened).
fn decode_struct(
    st: &ir::StructType,
    bytes: &[u8],
    probe_names: &[String],
) -> Result<Vec<(String, Value)>, DecodeError> {
    let mut out = Vec::new();
    for f in &st.fields {
        let rest = bytes.get(f.offset as usize..).unwrap_or(&[]);
        let v = decode_value(&f.ty, rest, probe_names)?;
        let v = match (f.bitfield, &v) {
            (Some(bf), Value::Int(x)) => {
                let x = (*x as u64) >> bf.shift;
                let shift = 64 - u32::from(bf.bits.clamp(1, 64));
                Value::Int(((x << shift) as i64) >> shift)
            }
            (Some(bf), Value::Uint(x)) => {
                let mask = if bf.bits >= 64 {
                    u64::MAX
                } else {
                    (1u64 << bf.bits) - 1
                };
                Value::Uint((x >> bf.shift) & mask)
            }
            _ => v,
        };
        match (f.name.is_empty(), v) {
            (true, Value::Record(inner)) => out.extend(inner),
            (_, v) => out.push((f.name.clone(), v)),
        }
    }
    Ok(out)
}

fn read_u32(bytes: &[u8], offset: usize) -> Result<u32, DecodeError> {
    let b = slice(bytes, offset, 4, &|| "u32".to_string())?;
    let mut a = [0u8; 4];
    a.copy_from_slice(b);
    Ok(u32::from_le_bytes(a))
}

/// A stack value ([`abi::STACK_PID`], [`abi::STACK_NR`], [`abi::STACK_FRAMES`]); the frame count
/// is clamped to the type's limit, and the frames are left unsymbolized.
fn decode_stack(st: &ir::StackType, b: &[u8]) -> Result<crate::value::Stack, DecodeError> {
    let nr = read_u32(b, abi::STACK_NR as usize)?.min(u32::from(st.limit));
    let mut frames = Vec::with_capacity(nr as usize);
    for i in 0..nr as usize {
        let addr = read_u64(b, abi::STACK_FRAMES as usize + 8 * i)?;
        frames.push(crate::value::Frame { addr, sym: None });
    }
    Ok(crate::value::Stack {
        kernel: st.kernel,
        mode: st.mode,
        pid: if st.kernel {
            0
        } else {
            read_u32(b, abi::STACK_PID as usize)?
        },
        frames,
    })
}

fn decode_fields<'a>(
    types: impl Iterator<Item = &'a Type>,
    layout: &StructLayout,
    bytes: &[u8],
    probe_names: &[String],
) -> Result<Vec<Value>, DecodeError> {
    types
        .zip(&layout.offsets)
        .map(|(t, off)| {
            let rest = bytes.get(*off as usize..).unwrap_or(&[]);
            decode_value(t, rest, probe_names)
        })
        .collect()
}

/// `max_strlen` and `str_trunc_trailer` of the running program (see [`set_str_truncation`]).
static STR_TRUNCATION: std::sync::RwLock<Option<(u32, String)>> = std::sync::RwLock::new(None);

/// Sets how strings that fill a whole `max_strlen` buffer are printed: with `trailer` appended
/// (bpftrace's `str_trunc_trailer`, `..` by default), since they were most likely cut short.
pub fn set_str_truncation(max_strlen: u32, trailer: &str) {
    if let Ok(mut t) = STR_TRUNCATION.write() {
        *t = Some((max_strlen, trailer.to_string()));
    }
}

/// A string from a `size`-byte buffer, with the truncation trailer when the buffer is a
/// `max_strlen` one (a `str()` read) and the text fills it up to its final NUL.
fn truncated_string(bytes: &[u8], size: u32) -> String {
    let mut s = c_string(bytes);
    if let Ok(t) = STR_TRUNCATION.read() {
        if let Some((max, trailer)) = t.as_ref() {
            let len = bytes.iter().position(|&c| c == 0).unwrap_or(bytes.len());
            if size == *max && size >= 2 && len + 1 >= size as usize {
                s.push_str(trailer);
            }
        }
    }
    s
}

/// The bytes up to the first NUL, decoded lossily as UTF-8.
pub fn c_string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&c| c == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// A `-k` helper-error record ([`abi::HELPER_ERROR_ACTION`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HelperErrorRecord {
    /// The helper's id.
    pub helper: u32,
    /// The negative errno it returned.
    pub retcode: i32,
    /// The expression whose helper failed.
    pub span: ir::Span,
}

/// The helper-error record `record` is, if it is one.
pub fn decode_helper_error(record: &[u8]) -> Option<HelperErrorRecord> {
    use abi::HelperError as H;
    if read_u64(record, 0).ok()? != abi::HELPER_ERROR_ACTION {
        return None;
    }
    let u32_at = |off: u32| -> Option<u32> {
        let b = record.get(off as usize..off as usize + 4)?;
        Some(u32::from_le_bytes(b.try_into().ok()?))
    };
    Some(HelperErrorRecord {
        helper: u32_at(H::HELPER)?,
        retcode: u32_at(H::RETCODE)? as i32,
        span: ir::Span::new(
            u32_at(H::SPAN_START)? as usize,
            u32_at(H::SPAN_END)? as usize,
        ),
    })
}

/// Decodes a ring-buffer record: the action id and its argument values.
pub fn decode_record(
    program: &Program,
    record: &[u8],
) -> Result<(ActionId, Vec<Value>), DecodeError> {
    let id = read_u64(record, 0)?;
    let action = usize::try_from(id)
        .ok()
        .and_then(|i| program.actions.get(i))
        .ok_or_else(|| DecodeError(format!("ring buffer record names unknown action {id}")))?;
    let payload = record.get(abi::EVENT_HEADER_SIZE as usize..).unwrap_or(&[]);
    let layout = abi::event_layout(&action.args);
    let values = decode_fields(action.args.iter(), &layout, payload, &program.probe_names)?;
    Ok((ActionId(id as u32), values))
}

/// One raw map entry as read from the kernel: the key bytes and one value slot per CPU (a single
/// slot for shared maps).
pub type RawEntry = (Vec<u8>, Vec<Vec<u8>>);

fn i64_at(bytes: &[u8], offset: u32) -> Result<i64, DecodeError> {
    read_u64(bytes, offset as usize).map(|v| v as i64)
}

fn int_value(it: IntType, v: i64) -> Value {
    if it.signed {
        Value::Int(v)
    } else {
        Value::Uint(v as u64)
    }
}

/// Combines raw entries of map `decl` (per-CPU slots summed, minimum, maximum, ...) into a
/// [`MapSnapshot`]. Entries keep the order given.
pub fn snapshot(
    decl: &MapDecl,
    raw: &[RawEntry],
    probe_names: &[String],
) -> Result<MapSnapshot, DecodeError> {
    let key_of = |bytes: &[u8]| -> Result<Option<Value>, DecodeError> {
        match &decl.key {
            None => Ok(None),
            Some(t) => decode_value(t, bytes, probe_names).map(Some),
        }
    };
    let entries = match &decl.kind {
        MapKind::Quantize | MapKind::Lquantize { .. } | MapKind::Llquantize { .. } => {
            MapEntries::Dist(distribution(decl, raw, probe_names)?)
        }
        MapKind::Stddev(_) => {
            let mut out = Vec::with_capacity(raw.len());
            for (k, slots) in raw {
                let mut st = StddevState::default();
                for s in slots {
                    st.count = st
                        .count
                        .wrapping_add(read_u64(s, abi::STDDEV_COUNT as usize)?);
                    st.total = st.total.wrapping_add(i64_at(s, abi::STDDEV_TOTAL)?);
                    let lo = read_u64(s, abi::STDDEV_SQUARES_LO as usize)?;
                    let hi = read_u64(s, abi::STDDEV_SQUARES_HI as usize)?;
                    st.squares = st
                        .squares
                        .wrapping_add((u128::from(hi) << 64) | u128::from(lo));
                }
                out.push((key_of(k)?, st));
            }
            MapEntries::Stddev(out)
        }
        MapKind::Value(t) => {
            let mut out = Vec::with_capacity(raw.len());
            for (k, slots) in raw {
                let Some(slot) = slots.first() else { continue };
                out.push((key_of(k)?, decode_value(t, slot, probe_names)?));
            }
            MapEntries::Values {
                entries: out,
                sort_by_value: t.is_integer(),
            }
        }
        MapKind::Count | MapKind::Sum(_) => {
            let signed = matches!(decl.kind, MapKind::Sum(IntType { signed: true, .. }));
            let mut out = Vec::with_capacity(raw.len());
            for (k, slots) in raw {
                let mut total = 0u64;
                for s in slots {
                    total = total.wrapping_add(read_u64(s, 0)?);
                }
                let v = if signed {
                    Value::Int(total as i64)
                } else {
                    Value::Uint(total)
                };
                out.push((key_of(k)?, v));
            }
            MapEntries::Values {
                entries: out,
                sort_by_value: true,
            }
        }
        MapKind::Min(it) | MapKind::Max(it) => {
            let is_min = matches!(decl.kind, MapKind::Min(_));
            let mut out = Vec::with_capacity(raw.len());
            for (k, slots) in raw {
                let mut best: Option<i64> = None;
                for s in slots {
                    if read_u64(s, abi::MINMAX_IS_SET as usize)? == 0 {
                        continue;
                    }
                    let v = i64_at(s, abi::MINMAX_VALUE)?;
                    best = Some(match best {
                        None => v,
                        Some(b) => pick_min_max(b, v, it.signed, is_min),
                    });
                }
                out.push((key_of(k)?, int_value(*it, best.unwrap_or(0))));
            }
            MapEntries::Values {
                entries: out,
                sort_by_value: true,
            }
        }
        MapKind::Avg(_) | MapKind::Stats(_) => {
            let mut out = Vec::with_capacity(raw.len());
            for (k, slots) in raw {
                let mut st = AvgState::default();
                for s in slots {
                    st.count = st.count.wrapping_add(read_u64(s, abi::AVG_COUNT as usize)?);
                    st.total = st.total.wrapping_add(i64_at(s, abi::AVG_TOTAL)?);
                }
                out.push((key_of(k)?, st));
            }
            if matches!(decl.kind, MapKind::Avg(_)) {
                MapEntries::Avg(out)
            } else {
                MapEntries::Stats(out)
            }
        }
        MapKind::Hist { k } => MapEntries::Hist {
            k: *k,
            entries: histogram(decl, raw, probe_names)?,
        },
        MapKind::Lhist { min, max, step } => MapEntries::Lhist {
            min: *min,
            max: *max,
            step: *step,
            entries: histogram(decl, raw, probe_names)?,
        },
        MapKind::Tseries {
            interval_ns,
            num_intervals,
            agg,
        } => MapEntries::Tseries {
            interval_ns: *interval_ns,
            entries: tseries(decl, raw, probe_names, (*interval_ns, *num_intervals, *agg))?,
        },
    };
    Ok(MapSnapshot {
        name: decl.name.clone(),
        keyed: decl.key.is_some(),
        entries,
    })
}

fn pick_min_max(a: i64, b: i64, signed: bool, is_min: bool) -> i64 {
    let a_less = if signed {
        a < b
    } else {
        (a as u64) < (b as u64)
    };
    if a_less == is_min {
        a
    } else {
        b
    }
}

/// Splits a histogram map key into the user key bytes and the bucket index
/// ([`abi::hist_key_layout`]).
pub fn split_hist_key<'a>(decl: &MapDecl, key: &'a [u8]) -> Result<(&'a [u8], u64), DecodeError> {
    let (user, bucket_off) = abi::hist_key_layout(decl);
    let user_bytes = slice(key, 0, user as usize, &|| format!("key of {}", decl.name))?;
    Ok((user_bytes, read_u64(key, bucket_off as usize)?))
}

/// bpftrace's hist/lhist: the entries grouped by user key, with bucket counts summed over CPUs.
/// Keys whose buckets are all zero are left out.
fn histogram(
    decl: &MapDecl,
    raw: &[RawEntry],
    probe_names: &[String],
) -> Result<Vec<(Option<Value>, Buckets)>, DecodeError> {
    let sum = |slots: &[Vec<u8>]| -> Result<u64, DecodeError> {
        let mut count = 0u64;
        for s in slots {
            count = count.wrapping_add(read_u64(s, 0)?);
        }
        Ok(count)
    };
    bucket_groups(decl, raw, probe_names, sum, false)
}

/// D's quantize family: the entries grouped by user key, with signed bucket counts summed over
/// CPUs. Keys are kept in first-seen order, even when every bucket is zero.
fn distribution(
    decl: &MapDecl,
    raw: &[RawEntry],
    probe_names: &[String],
) -> Result<Vec<(Option<Value>, DistBuckets)>, DecodeError> {
    let sum = |slots: &[Vec<u8>]| -> Result<i64, DecodeError> {
        let mut count = 0i64;
        for s in slots {
            count = count.wrapping_add(i64_at(s, 0)?);
        }
        Ok(count)
    };
    bucket_groups(decl, raw, probe_names, sum, true)
}

/// Bucketed entries by decoded user key: each key's `(bucket, count)` pairs.
type Grouped<C> = Vec<(Option<Value>, KeyBuckets<C>)>;

/// One key's `(bucket, count)` pairs.
type KeyBuckets<C> = Vec<(u64, C)>;

/// Groups bucketed entries by user key in first-seen order: `sum` combines one bucket's per-CPU
/// slots, zero buckets are dropped, buckets are sorted, and keys left without buckets are kept
/// only when `keep_empty`.
fn bucket_groups<C: Copy + Default + Ord>(
    decl: &MapDecl,
    raw: &[RawEntry],
    probe_names: &[String],
    sum: impl Fn(&[Vec<u8>]) -> Result<C, DecodeError>,
    keep_empty: bool,
) -> Result<Grouped<C>, DecodeError> {
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut groups: Vec<(Vec<u8>, KeyBuckets<C>)> = Vec::new();
    for (k, slots) in raw {
        let (user, bucket) = split_hist_key(decl, k)?;
        let count = sum(slots)?;
        let g = *index.entry(user.to_vec()).or_insert_with(|| {
            groups.push((user.to_vec(), Vec::new()));
            groups.len() - 1
        });
        if count != C::default() {
            groups[g].1.push((bucket, count));
        }
    }
    let mut out = Vec::with_capacity(groups.len());
    for (user, mut buckets) in groups {
        if buckets.is_empty() && !keep_empty {
            continue;
        }
        buckets.sort_unstable();
        let key = match &decl.key {
            None => None,
            Some(t) => Some(decode_value(t, &user, probe_names)?),
        };
        out.push((key, buckets));
    }
    Ok(out)
}

/// One interval of one key, combined over CPUs.
#[derive(Clone, Copy, Default)]
struct TsPoint {
    value: i64,
    count: u64,
    stamp: u64,
}

/// A tseries map's keys and their intervals: per-CPU slots combined as the aggregation says,
/// then the last `num_intervals` intervals up to the latest one recorded in any key (intervals
/// before the first one recorded are left out). Intervals count wall-clock time
/// ([`abi::Globals::WALL_OFFSET_NS`]).
fn tseries(
    decl: &MapDecl,
    raw: &[RawEntry],
    probe_names: &[String],
    (interval_ns, num_intervals, agg): (u64, u32, ir::TseriesAgg),
) -> Result<Vec<(Option<Value>, crate::value::Series)>, DecodeError> {
    use ir::TseriesAgg as A;
    let mut keys: Vec<(Vec<u8>, HashMap<u64, TsPoint>)> = Vec::new();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    for (k, slots) in raw {
        let (user, _) = split_hist_key(decl, k)?;
        let g = *index.entry(user.to_vec()).or_insert_with(|| {
            keys.push((user.to_vec(), HashMap::new()));
            keys.len() - 1
        });
        for s in slots {
            let count = read_u64(s, abi::TSERIES_COUNT as usize)?;
            if count == 0 {
                continue;
            }
            let epoch = read_u64(s, abi::TSERIES_EPOCH as usize)?;
            let value = i64_at(s, abi::TSERIES_VALUE)?;
            let stamp = read_u64(s, abi::TSERIES_STAMP as usize)?;
            let p = keys[g].1.entry(epoch).or_default();
            let first = p.count == 0;
            p.value = match agg {
                A::Last if first || stamp >= p.stamp => value,
                A::Last => p.value,
                A::Sum | A::Avg => p.value.wrapping_add(value),
                A::Min if first => value,
                A::Min => p.value.min(value),
                A::Max if first => value,
                A::Max => p.value.max(value),
            };
            p.count = p.count.wrapping_add(count);
            p.stamp = p.stamp.max(stamp);
        }
    }
    let latest = keys.iter().flat_map(|(_, m)| m.keys().copied()).max();
    let earliest = keys.iter().flat_map(|(_, m)| m.keys().copied()).min();
    let (Some(latest), Some(earliest)) = (latest, earliest) else {
        return Ok(Vec::new());
    };
    let first = latest
        .saturating_sub(u64::from(num_intervals.max(1)) - 1)
        .max(earliest);
    let mut out = Vec::new();
    for (user, points) in keys {
        if !points.keys().any(|e| *e >= first) {
            continue;
        }
        let series = (first..=latest)
            .map(|e| {
                let start = i128::from(e) * i128::from(interval_ns);
                let v = points.get(&e).map(|p| match agg {
                    A::Avg => (i128::from(p.value) / i128::from(p.count.max(1))) as i64,
                    _ => p.value,
                });
                (start, v)
            })
            .collect();
        let key = match &decl.key {
            None => None,
            Some(t) => Some(decode_value(t, &user, probe_names)?),
        };
        out.push((key, series));
    }
    Ok(out)
}

/// True when a snapshot holds no entry (such maps are left out of the exit dump).
pub fn is_empty(s: &MapSnapshot) -> bool {
    match &s.entries {
        MapEntries::Values { entries, .. } => entries.is_empty(),
        MapEntries::Avg(e) | MapEntries::Stats(e) => e.is_empty(),
        MapEntries::Hist { entries, .. } | MapEntries::Lhist { entries, .. } => entries.is_empty(),
        MapEntries::Dist(e) => e.is_empty(),
        MapEntries::Stddev(e) => e.is_empty(),
        MapEntries::Tseries { entries, .. } => entries.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ir::{Action, ActionKind, Config, Span};

    fn decl(name: &str, key: Option<Type>, kind: MapKind) -> MapDecl {
        MapDecl {
            name: name.into(),
            key,
            kind,
            max_entries: 16,
            span: Span::DUMMY,
        }
    }

    fn le(v: u64) -> Vec<u8> {
        v.to_le_bytes().to_vec()
    }

    #[test]
    fn ints_of_every_width_and_signedness() {
        let bytes = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        for bits in [8u8, 16, 32, 64] {
            assert_eq!(
                decode_value(&Type::int(bits, true), &bytes, &[]),
                Ok(Value::Int(-1)),
                "int{bits}"
            );
            let max = if bits == 64 {
                u64::MAX
            } else {
                (1u64 << bits) - 1
            };
            assert_eq!(
                decode_value(&Type::int(bits, false), &bytes, &[]),
                Ok(Value::Uint(max)),
                "uint{bits}"
            );
        }
        assert_eq!(
            decode_value(&Type::int(16, true), &[0x00, 0x80], &[]),
            Ok(Value::Int(-32768))
        );
        assert_eq!(
            decode_value(&Type::int(32, true), &[0xff, 0xff, 0xff, 0x7f], &[]),
            Ok(Value::Int(i32::MAX as i64))
        );
        assert_eq!(
            decode_value(&Type::int(8, true), &[0x7f], &[]),
            Ok(Value::Int(127))
        );
        assert_eq!(decode_value(&Type::Bool, &[2], &[]), Ok(Value::Bool(true)));
        assert!(decode_value(&Type::I64, &[1, 2, 3], &[]).is_err());
    }

    #[test]
    fn strings_stop_at_nul() {
        let t = Type::Str { size: 8 };
        assert_eq!(
            decode_value(&t, b"abc\0xyz\0", &[]),
            Ok(Value::Str("abc".into()))
        );
        assert_eq!(
            decode_value(&t, b"abcdefgh", &[]),
            Ok(Value::Str("abcdefgh".into()))
        );
        assert_eq!(
            decode_value(&t, b"\0bcdefgh", &[]),
            Ok(Value::Str(String::new()))
        );
        let buf = Type::Buffer { size: 4 };
        assert_eq!(
            decode_value(&buf, &[2, 0, 0, 0, 9, 8, 7, 6], &[]),
            Ok(Value::Buffer(vec![9, 8]))
        );
        // A length beyond the capacity is clamped.
        assert_eq!(
            decode_value(&buf, &[200, 0, 0, 0, 9, 8, 7, 6], &[]),
            Ok(Value::Buffer(vec![9, 8, 7, 6]))
        );
    }

    #[test]
    fn tuples_skip_padding_and_records_keep_names() {
        let t = Type::Tuple(vec![
            Type::Bool,
            Type::I64,
            Type::Str { size: 3 },
            Type::I32,
        ]);
        let mut b = vec![0u8; 24];
        b[0] = 1;
        b[1..8].fill(0xee); // padding
        b[8..16].copy_from_slice(&(-7i64).to_le_bytes());
        b[16..19].copy_from_slice(b"hi\0");
        b[19] = 0xee;
        b[20..24].copy_from_slice(&5i32.to_le_bytes());
        assert_eq!(
            decode_value(&t, &b, &[]),
            Ok(Value::Tuple(vec![
                Value::Bool(true),
                Value::Int(-7),
                Value::Str("hi".into()),
                Value::Int(5)
            ]))
        );
        let r = Type::Record(vec![("a".into(), Type::U32), ("b".into(), Type::U64)]);
        let mut b = vec![0u8; 16];
        b[0] = 3;
        b[8] = 4;
        assert_eq!(
            decode_value(&r, &b, &[]),
            Ok(Value::Record(vec![
                ("a".into(), Value::Uint(3)),
                ("b".into(), Value::Uint(4))
            ]))
        );
        let a = Type::Array {
            elem: Box::new(Type::int(16, true)),
            len: 3,
        };
        assert_eq!(
            decode_value(&a, &[1, 0, 0xfe, 0xff, 3, 0], &[]),
            Ok(Value::Array(vec![
                Value::Int(1),
                Value::Int(-2),
                Value::Int(3)
            ]))
        );
        let names = vec!["BEGIN".to_string(), "tracepoint:a:b".to_string()];
        assert_eq!(
            decode_value(&Type::ProbeName, &le(1), &names),
            Ok(Value::ProbeName("tracepoint:a:b".into()))
        );
    }

    #[test]
    fn records_give_action_and_args() {
        let program = Program {
            probes: vec![],
            maps: vec![],
            actions: vec![
                Action {
                    kind: ActionKind::Exit,
                    args: vec![Type::I64],
                    span: Span::DUMMY,
                },
                Action {
                    kind: ActionKind::Printf {
                        format: "%d %s\n".into(),
                    },
                    args: vec![Type::I32, Type::Str { size: 4 }],
                    span: Span::DUMMY,
                },
            ],
            probe_names: vec![],
            config: Config::default(),
        };
        let mut rec = le(1);
        rec.extend_from_slice(&(-3i32).to_le_bytes());
        rec.extend_from_slice(b"ok\0\0");
        assert_eq!(
            decode_record(&program, &rec),
            Ok((ActionId(1), vec![Value::Int(-3), Value::Str("ok".into())]))
        );
        assert!(decode_record(&program, &le(9)).is_err());
        assert!(decode_record(&program, &le(1)).is_err());
    }

    #[test]
    fn per_cpu_slots_are_combined() {
        let count = decl("@c", Some(Type::U32), MapKind::Count);
        let raw = vec![(vec![7, 0, 0, 0], vec![le(2), le(3)])];
        let s = snapshot(&count, &raw, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s.entries,
            MapEntries::Values {
                entries: vec![(Some(Value::Uint(7)), Value::Uint(5))],
                sort_by_value: true
            }
        );
        assert!(s.keyed);

        let sum = decl("@s", None, MapKind::Sum(IntType::I64));
        let raw = vec![(le(0), vec![le(-5i64 as u64), le(2)])];
        let s = snapshot(&sum, &raw, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s.entries,
            MapEntries::Values {
                entries: vec![(None, Value::Int(-3))],
                sort_by_value: true
            }
        );

        let slot = |v: i64, set: u64| [v.to_le_bytes(), set.to_le_bytes()].concat();
        let min = decl("@m", None, MapKind::Min(IntType::I64));
        let raw = vec![(le(0), vec![slot(-100, 0), slot(4, 1), slot(-2, 1)])];
        let s = snapshot(&min, &raw, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s.entries,
            MapEntries::Values {
                entries: vec![(None, Value::Int(-2))],
                sort_by_value: true
            }
        );
        let max = decl("@M", None, MapKind::Max(IntType::U64));
        let raw = vec![(le(0), vec![slot(-1, 1), slot(4, 1), slot(99, 0)])];
        let s = snapshot(&max, &raw, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s.entries,
            MapEntries::Values {
                entries: vec![(None, Value::Uint(u64::MAX))],
                sort_by_value: true
            }
        );

        let avg = decl("@a", None, MapKind::Stats(IntType::I64));
        let raw = vec![(
            le(0),
            vec![[le(2), le(10)].concat(), [le(1), le(-4i64 as u64)].concat()],
        )];
        let s = snapshot(&avg, &raw, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s.entries,
            MapEntries::Stats(vec![(None, AvgState { count: 3, total: 6 })])
        );
    }

    #[test]
    fn hist_keys_split_into_user_key_and_bucket() {
        // Key type u32: user key 4 bytes, padded to 8, then the bucket index.
        let h = decl("@h", Some(Type::U32), MapKind::Hist { k: 0 });
        assert_eq!(abi::key_size(&h), 16);
        let key = |user: u32, bucket: u64| {
            [user.to_le_bytes().to_vec(), vec![0xaa; 4], le(bucket)].concat()
        };
        assert_eq!(
            split_hist_key(&h, &key(5, 3)),
            Ok((&5u32.to_le_bytes()[..], 3))
        );
        let raw = vec![
            (key(5, 3), vec![le(1), le(1)]),
            (key(6, 2), vec![le(0), le(4)]),
            (key(5, 1), vec![le(0), le(1)]),
            (key(6, 9), vec![le(0), le(0)]), // all-zero buckets are dropped
            (key(7, 9), vec![le(0), le(0)]), // and so are keys with nothing left
        ];
        let s = snapshot(&h, &raw, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s.entries,
            MapEntries::Hist {
                k: 0,
                entries: vec![
                    (Some(Value::Uint(5)), vec![(1, 1), (3, 2)]),
                    (Some(Value::Uint(6)), vec![(2, 4)])
                ]
            }
        );
        // A scalar lhist: no user key, the bucket index is the whole key.
        let l = decl(
            "@l",
            None,
            MapKind::Lhist {
                min: 0,
                max: 10,
                step: 1,
            },
        );
        assert_eq!(abi::key_size(&l), 8);
        let s = snapshot(&l, &[(le(4), vec![le(2)])], &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s.entries,
            MapEntries::Lhist {
                min: 0,
                max: 10,
                step: 1,
                entries: vec![(None, vec![(4, 2)])]
            }
        );
        assert!(!is_empty(&s));
    }

    #[test]
    fn d_distributions_and_stddev_sum_signed_cpu_slots() {
        let q = decl("@q", Some(Type::I32), MapKind::Quantize);
        let key =
            |user: i32, bucket: u64| [user.to_le_bytes().to_vec(), vec![0; 4], le(bucket)].concat();
        let neg = |v: i64| le(v as u64);
        let raw = vec![
            (key(1, 64), vec![le(3), neg(-1)]),
            (key(1, 70), vec![neg(-2), le(0)]),
            (key(2, 65), vec![le(1), neg(-1)]), // cleared or cancelled out: the key stays
        ];
        let s = snapshot(&q, &raw, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s.entries,
            MapEntries::Dist(vec![
                (Some(Value::Int(1)), vec![(64, 2), (70, -2)]),
                (Some(Value::Int(2)), vec![]),
            ])
        );
        assert!(!is_empty(&s));
        let sd = decl("@sd", None, MapKind::Stddev(IntType::I64));
        let slot = |count: u64, total: i64, lo: u64, hi: u64| {
            [le(count), le(total as u64), le(lo), le(hi)].concat()
        };
        let raw = vec![(le(0), vec![slot(2, -5, u64::MAX, 0), slot(1, 7, 1, 1)])];
        let s = snapshot(&sd, &raw, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s.entries,
            MapEntries::Stddev(vec![(
                None,
                StddevState {
                    count: 3,
                    total: 2,
                    squares: (2u128 << 64)
                }
            )])
        );
    }
}
