//! D's variables: globals (scalar maps), associative arrays (keyed maps), thread-locals (maps
//! keyed by thread id), aggregations (per-CPU maps), and the clause-locals of one clause.

use ir::{MapDecl, MapId, MapKind, Span, Type, VarDecl, VarId};
use std::collections::HashMap;

/// One map as learned so far.
#[derive(Clone, Debug)]
pub struct MapInfo {
    /// The map's name: `x` (global), `self->x` (thread-local), `@x` (aggregation).
    pub name: String,
    /// The IR key type.
    pub key: Option<Type>,
    /// The D key types as written (`a[pid, execname]`), without the thread id of thread-locals.
    pub keys: Option<Vec<Type>>,
    /// What each entry holds.
    pub kind: MapKind,
    /// Where the map was first used.
    pub span: Span,
}

/// A declared type (`int x;`, `self string s;`, `int a[int, string];`).
#[derive(Clone, Debug)]
pub struct Declared {
    /// The value type.
    pub ty: Type,
    /// The key types of an associative array.
    pub keys: Option<Vec<Type>>,
}

/// Every map of the program, and the declarations of variables not yet used.
#[derive(Default)]
pub struct Vars {
    /// The maps, indexed by [`MapId`].
    pub maps: Vec<MapInfo>,
    by_name: HashMap<String, MapId>,
    /// Declarations by map name (`x`, `self->x`) or clause-local name (`this->x`).
    pub declared: HashMap<String, Declared>,
}

impl Vars {
    /// The map called `name`, if it exists.
    pub fn get(&self, name: &str) -> Option<(MapId, &MapInfo)> {
        let id = *self.by_name.get(name)?;
        self.maps.get(id.0 as usize).map(|m| (id, m))
    }

    /// Creates map `name`.
    pub fn create(
        &mut self,
        name: &str,
        key: Option<Type>,
        keys: Option<Vec<Type>>,
        kind: MapKind,
        span: Span,
    ) -> MapId {
        let id = MapId(self.maps.len() as u32);
        self.maps.push(MapInfo {
            name: name.to_string(),
            key,
            keys,
            kind,
            span,
        });
        self.by_name.insert(name.to_string(), id);
        id
    }

    /// The IR declarations of every map.
    pub fn map_decls(&self, max_entries: u32) -> Vec<MapDecl> {
        self.maps
            .iter()
            .map(|m| MapDecl {
                name: m.name.clone(),
                key: m.key.clone(),
                kind: m.kind.clone(),
                max_entries,
                span: m.span,
            })
            .collect()
    }
}

/// The clause-local variables (`this->x`) of the clause being lowered.
#[derive(Default)]
pub struct ClauseScope {
    /// The IR variables of the probe.
    pub vars: Vec<VarDecl>,
    by_name: HashMap<String, VarId>,
    /// Temporaries of subroutines, reused from one statement to the next.
    temps: Vec<VarId>,
    /// Which of `temps` the current statement has taken.
    temps_taken: Vec<bool>,
}

impl ClauseScope {
    /// A temporary of type `ty` no other part of the current statement uses.
    pub fn temp(&mut self, ty: &Type, span: Span) -> VarId {
        for (i, v) in self.temps.iter().enumerate() {
            if !self.temps_taken[i] && self.vars[v.0 as usize].ty == *ty {
                self.temps_taken[i] = true;
                return *v;
            }
        }
        let name = format!(".t{}", self.temps.len());
        let v = self.create(&name, ty.clone(), span);
        self.temps.push(v);
        self.temps_taken.push(true);
        v
    }

    /// Starts a statement: every temporary is free again (a temporary lives within the
    /// statement that computes it).
    pub fn free_temps(&mut self) {
        self.temps_taken.iter_mut().for_each(|t| *t = false);
    }

    /// The variable `this->name`, if assigned before.
    pub fn get(&self, name: &str) -> Option<(VarId, Type)> {
        let id = *self.by_name.get(name)?;
        self.vars.get(id.0 as usize).map(|v| (id, v.ty.clone()))
    }

    /// A new variable (also used for temporaries, whose names start with `.`).
    pub fn create(&mut self, name: &str, ty: Type, span: Span) -> VarId {
        let id = VarId(self.vars.len() as u32);
        self.vars.push(VarDecl {
            name: name.to_string(),
            ty,
            span,
        });
        if !name.starts_with('.') {
            self.by_name.insert(name.to_string(), id);
        }
        id
    }
}
