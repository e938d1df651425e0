//! The map table: every `@map` of the program with the key and value types its first uses fix.

use super::types::{normalize_stored, unify_stored};
use ir::diag::Diagnostic;
use ir::{IntType, MapDecl, MapId, MapKind, Span, Type};
use std::collections::HashMap;

/// `@` + the name as written (`@` alone for the anonymous map).
pub fn map_name(name: &str) -> String {
    format!("@{name}")
}

/// One map as learned so far.
#[derive(Clone, Debug)]
struct MapInfo {
    name: String,
    /// `None` until the first keyed or unkeyed use; `Some(None)` for a scalar map.
    key: Option<Option<Type>>,
    kind: Option<MapKind>,
    max_entries: Option<u32>,
    span: Span,
    read_span: Option<Span>,
}

/// All maps of a program. Filled during the learning run, then frozen and checked against.
#[derive(Default)]
pub struct MapTable {
    maps: Vec<MapInfo>,
    by_name: HashMap<String, usize>,
    frozen: bool,
}

impl MapTable {
    /// Ends the learning run: later uses are checked against what was learned.
    pub fn freeze(&mut self) {
        self.frozen = true;
    }

    /// The id of map `name` (with `@`), creating it on first sight.
    pub fn id(&mut self, name: &str, span: Span) -> MapId {
        if let Some(&i) = self.by_name.get(name) {
            return MapId(i as u32);
        }
        self.maps.push(MapInfo {
            name: name.to_string(),
            key: None,
            kind: None,
            max_entries: None,
            span,
            read_span: None,
        });
        self.by_name.insert(name.to_string(), self.maps.len() - 1);
        MapId((self.maps.len() - 1) as u32)
    }

    /// The map's name.
    pub fn name(&self, id: MapId) -> &str {
        self.maps
            .get(id.0 as usize)
            .map_or("@?", |m| m.name.as_str())
    }

    /// Sets the size from a `let @m = hash(N)` declaration.
    pub fn set_max_entries(&mut self, name: &str, size: u32) {
        let id = self.id(name, Span::DUMMY);
        if let Some(m) = self.maps.get_mut(id.0 as usize) {
            m.max_entries = Some(size);
        }
    }

    /// Records a use with key type `key` (`None`: no key). Returns the key type to convert the key
    /// to, or an error message when the use does not fit the map's first use.
    pub fn use_key(&mut self, id: MapId, key: Option<&Type>) -> Result<Option<Type>, String> {
        let frozen = self.frozen;
        let Some(m) = self.maps.get_mut(id.0 as usize) else {
            return Err("unknown map".into());
        };
        let key = key.map(normalize_stored);
        match (&mut m.key, frozen) {
            (slot @ None, _) => {
                *slot = Some(key.clone());
                Ok(key)
            }
            (Some(existing), false) => {
                if let (Some(a), Some(b)) = (existing.as_ref(), key.as_ref()) {
                    if let Some(u) = unify_stored(a, b) {
                        *existing = Some(u);
                    }
                }
                Ok(existing.clone())
            }
            (Some(existing), true) => match (existing.as_ref(), key.as_ref()) {
                (None, None) => Ok(None),
                (Some(a), Some(b)) if unify_stored(a, b).as_ref() == Some(a) => Ok(Some(a.clone())),
                (None, Some(_)) => Err(format!("map {} is used without a key elsewhere", m.name)),
                (Some(_), None) => Err(format!("map {} is used with a key elsewhere", m.name)),
                (Some(a), Some(b)) => Err(format!(
                    "map {} has key type {a}, but this key is {b}",
                    m.name
                )),
            },
        }
    }

    /// Records that the map is written with `kind`. Returns the kind to use, or an error message
    /// when the map was first written with another kind.
    pub fn use_kind(&mut self, id: MapId, kind: MapKind) -> Result<MapKind, String> {
        let frozen = self.frozen;
        let Some(m) = self.maps.get_mut(id.0 as usize) else {
            return Err("unknown map".into());
        };
        let kind = match kind {
            MapKind::Value(t) => MapKind::Value(normalize_stored(&t)),
            k => k,
        };
        match &mut m.kind {
            slot @ None => {
                *slot = Some(kind.clone());
                Ok(kind)
            }
            Some(existing) => {
                let merged = merge_kinds(existing, &kind);
                match (merged, frozen) {
                    (Some(u), false) => {
                        *existing = u.clone();
                        Ok(u)
                    }
                    (Some(u), true) if u == *existing => Ok(u),
                    _ => Err(format!(
                        "map {} is used with two value types: {} and {}",
                        m.name,
                        kind_name(existing),
                        kind_name(&kind)
                    )),
                }
            }
        }
    }

    /// The kind of a map that is being read, or `None` when nothing writes it.
    pub fn kind_for_read(&mut self, id: MapId, span: Span) -> Option<MapKind> {
        let m = self.maps.get_mut(id.0 as usize)?;
        m.read_span.get_or_insert(span);
        m.kind.clone()
    }

    /// The key type learned so far: `None` while unknown, `Some(None)` for a scalar map.
    pub fn key_type(&self, id: MapId) -> Option<Option<Type>> {
        self.maps.get(id.0 as usize).and_then(|m| m.key.clone())
    }

    /// Errors for maps that are read but never written (known only after the whole program).
    pub fn unused_diagnostics(&self) -> Vec<Diagnostic> {
        self.maps
            .iter()
            .filter(|m| m.kind.is_none())
            .filter_map(|m| m.read_span.map(|s| (m, s)))
            .map(|(m, span)| {
                Diagnostic::error(
                    span,
                    format!("undefined map {}: it is read but never assigned", m.name),
                )
            })
            .collect()
    }

    /// The IR map declarations, in id order.
    pub fn into_decls(self, default_max: u32) -> Vec<MapDecl> {
        self.maps
            .into_iter()
            .map(|m| MapDecl {
                name: m.name,
                key: m.key.flatten(),
                kind: m.kind.unwrap_or(MapKind::Value(Type::I64)),
                max_entries: m.max_entries.unwrap_or(default_max),
                span: m.span,
            })
            .collect()
    }
}

/// The kind both uses can share, if any (plain values unify their types; aggregations must match).
fn merge_kinds(a: &MapKind, b: &MapKind) -> Option<MapKind> {
    match (a, b) {
        (MapKind::Value(x), MapKind::Value(y)) => unify_stored(x, y).map(MapKind::Value),
        (MapKind::Sum(x), MapKind::Sum(y)) => Some(MapKind::Sum(merge_int(*x, *y))),
        (MapKind::Min(x), MapKind::Min(y)) => Some(MapKind::Min(merge_int(*x, *y))),
        (MapKind::Max(x), MapKind::Max(y)) => Some(MapKind::Max(merge_int(*x, *y))),
        (MapKind::Avg(x), MapKind::Avg(y)) => Some(MapKind::Avg(merge_int(*x, *y))),
        (MapKind::Stats(x), MapKind::Stats(y)) => Some(MapKind::Stats(merge_int(*x, *y))),
        (a, b) if a == b => Some(a.clone()),
        _ => None,
    }
}

fn merge_int(a: IntType, b: IntType) -> IntType {
    IntType {
        bits: 64,
        signed: a.signed || b.signed,
    }
}

/// How a map kind is named in messages: the aggregation (`count`) or the value type (`int64`).
fn kind_name(kind: &MapKind) -> String {
    match kind {
        MapKind::Value(t) => t.to_string(),
        k => format!("{}()", k.function_name().unwrap_or("?")),
    }
}
