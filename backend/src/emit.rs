//! Actions: a ring buffer record `{ u64 action id; args laid out by abi::event_layout }` filled
//! in place and submitted; when the ring buffer is full, `oxt_lost[0]` counts the loss.

use crate::func::{error, FnGen, Place, R};
use crate::helpers::Helper;
use ir::{abi, ActionId, Expr, Span, Type};

impl<'ctx> FnGen<'_, 'ctx> {
    /// Sends action `id` with `args`.
    pub(crate) fn emit(&mut self, id: ActionId, args: &[Expr], span: Span) -> R<()> {
        let Some(action) = self.program.actions.get(id.0 as usize) else {
            return error(span, format!("internal error: unknown action {}", id.0));
        };
        if action.args.len() != args.len() {
            return error(
                span,
                format!(
                    "internal error: action {} takes {} arguments, got {}",
                    id.0,
                    action.args.len(),
                    args.len()
                ),
            );
        }
        let types = action.args.clone();
        let layout = abi::event_layout(&types);
        let size = abi::EVENT_HEADER_SIZE + layout.size;
        let rec = self
            .call(
                Helper::RingbufReserve,
                &[
                    self.maps.events().into(),
                    self.u64c(u64::from(size)).into(),
                    self.u64c(0).into(),
                ],
            )?
            .into_pointer_value();
        let fill = self.block("emit_fill");
        let lost = self.block("emit_lost");
        let done = self.block("emit_end");
        let null = self.b.build_is_null(rec, "norecord")?;
        self.b.build_conditional_branch(null, lost, fill)?;

        self.b.position_at_end(lost);
        self.bump_counter(self.maps.lost(), 0, done)?;

        self.b.position_at_end(fill);
        let rec = Place { ptr: rec, align: 8 };
        self.store(rec, &Type::U64, self.u64c(u64::from(id.0)))?;
        self.in_record += 1;
        let mut result = Ok(());
        for ((arg, ty), off) in args.iter().zip(&types).zip(&layout.offsets) {
            let at = self.at(rec, abi::EVENT_HEADER_SIZE + off);
            result = at.and_then(|at| self.eval_into(arg, at, ty));
            if result.is_err() {
                break;
            }
        }
        self.in_record -= 1;
        result?;
        self.call(
            Helper::RingbufSubmit,
            &[rec.ptr.into(), self.u64c(0).into()],
        )?;
        self.br(done)?;
        self.b.position_at_end(done);
        Ok(())
    }
}
