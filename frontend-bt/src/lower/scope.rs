//! Scratch variables of one probe, with bpftrace's block scoping.

use ir::{Span, Type, VarDecl, VarId};
use std::collections::HashMap;

/// The variables of the probe being lowered and the stack of blocks that can see them.
#[derive(Default)]
pub struct Scopes {
    /// Every variable of the probe, by [`VarId`].
    pub vars: Vec<VarDecl>,
    /// Per block: each visible name, `None` while it is declared (`let $x;`) but not yet assigned.
    blocks: Vec<HashMap<String, Option<VarId>>>,
}

impl Scopes {
    /// A probe's outermost scope.
    pub fn new() -> Scopes {
        Scopes {
            vars: Vec::new(),
            blocks: vec![HashMap::new()],
        }
    }

    /// Enters a block.
    pub fn push(&mut self) {
        self.blocks.push(HashMap::new());
    }

    /// Leaves a block; its variables are no longer visible.
    pub fn pop(&mut self) {
        if self.blocks.len() > 1 {
            self.blocks.pop();
        }
    }

    /// The visible variable called `name`, innermost first.
    pub fn lookup(&self, name: &str) -> Option<VarId> {
        self.blocks
            .iter()
            .rev()
            .find_map(|b| b.get(name).copied())
            .flatten()
    }

    /// Declares `name` without a type (`let $x;`): the first assignment gives it one.
    pub fn declare_untyped(&mut self, name: &str) {
        if let Some(b) = self.blocks.last_mut() {
            b.insert(name.to_string(), None);
        }
    }

    /// The type of a variable.
    pub fn ty(&self, id: VarId) -> &Type {
        &self.vars[id.0 as usize].ty
    }

    /// Declares `name` in the innermost block (shadowing any outer one), or, when an enclosing
    /// block declared it untyped with `let $x;`, gives that declaration its type.
    pub fn declare(&mut self, name: &str, ty: Type, span: Span) -> VarId {
        self.vars.push(VarDecl {
            name: format!("${name}"),
            ty,
            span,
        });
        let id = VarId((self.vars.len() - 1) as u32);
        let untyped = self
            .blocks
            .iter_mut()
            .rev()
            .find(|b| b.get(name).is_some_and(Option::is_none));
        if let Some(b) = untyped {
            b.insert(name.to_string(), Some(id));
        } else if let Some(b) = self.blocks.last_mut() {
            b.insert(name.to_string(), Some(id));
        }
        id
    }

    /// Where a variable was declared (or first assigned).
    pub fn decl_span(&self, id: VarId) -> Span {
        self.vars[id.0 as usize].span
    }

    /// A hidden temporary (for `$x++` used as a value).
    pub fn temporary(&mut self, ty: Type, span: Span) -> VarId {
        self.vars.push(VarDecl {
            name: format!("$__tmp{}", self.vars.len()),
            ty,
            span,
        });
        VarId((self.vars.len() - 1) as u32)
    }
}
