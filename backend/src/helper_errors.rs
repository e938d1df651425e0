//! `-k`: a record to the runtime when a BPF helper fails, so it can warn with the source
//! location (`file:line:col-col: WARNING: Failed to probe_read_user: Bad address (-14)`).

use crate::func::{FnGen, Place, R};
use crate::helpers::Helper;
use inkwell::values::BasicValueEnum;
use inkwell::IntPredicate;
use ir::abi::{HelperError, HELPER_ERROR_ACTION};
use ir::{Span, Type};

impl<'ctx> FnGen<'_, 'ctx> {
    /// With `-k`, when `ret` (what helper `h` returned) is negative, sends a helper-error
    /// record naming `h`, the error and `span`. Without `-k` it generates nothing.
    pub(crate) fn check_helper(
        &mut self,
        h: Helper,
        ret: BasicValueEnum<'ctx>,
        span: Span,
    ) -> R<()> {
        if !self.opts.helper_errors {
            return Ok(());
        }
        let BasicValueEnum::IntValue(ret) = ret else {
            return Ok(());
        };
        let failed = self.b.build_int_compare(
            IntPredicate::SLT,
            ret,
            ret.get_type().const_zero(),
            "helper_failed",
        )?;
        let report = self.block("helper_error");
        let fill = self.block("helper_error_fill");
        let done = self.block("helper_ok");
        self.b.build_conditional_branch(failed, report, done)?;

        self.b.position_at_end(report);
        let rec = self
            .call(
                Helper::RingbufReserve,
                &[
                    self.maps.events().into(),
                    self.u64c(u64::from(HelperError::SIZE)).into(),
                    self.u64c(0).into(),
                ],
            )?
            .into_pointer_value();
        let null = self.b.build_is_null(rec, "norecord")?;
        self.b.build_conditional_branch(null, done, fill)?;

        self.b.position_at_end(fill);
        let rec = Place { ptr: rec, align: 8 };
        self.store(rec, &Type::U64, self.u64c(HELPER_ERROR_ACTION))?;
        let fields = [
            (HelperError::HELPER, u64::from(h as u32)),
            (HelperError::SPAN_START, u64::from(span.start)),
            (HelperError::SPAN_END, u64::from(span.end)),
        ];
        for (off, v) in fields {
            let at = self.at(rec, off)?;
            self.store(at, &Type::U32, self.u64c(v))?;
        }
        let at = self.at(rec, HelperError::RETCODE)?;
        self.store(at, &Type::int(32, true), ret)?;
        self.call(
            Helper::RingbufSubmit,
            &[rec.ptr.into(), self.u64c(0).into()],
        )?;
        self.br(done)?;
        self.b.position_at_end(done);
        Ok(())
    }
}
