//! DTrace's error tags (`[D_TAG]`, shown with `-xerrtags`), chosen by the message's wording.

/// Message beginnings (or fragments) and the tag DTrace gives that error.
const TAGS: &[(&str, &str)] = &[
    ("failed to resolve", "D_IDENT_UNDEF"),
    ("macro argument", "D_MACRO_UNDEF"),
    ("identifier redeclared", "D_DECL_IDRED"),
    (
        "operator = operands have incompatible types",
        "D_OP_INCOMPAT",
    ),
    ("operands have incompatible types", "D_OP_INCOMPAT"),
    ("requires an operand of integral type", "D_OP_INT"),
    ("is not a writable variable", "D_OP_WRITE"),
    ("requires a writable variable", "D_OP_LVAL"),
    ("may not be used in an expression", "D_AGG_SCALAR"),
    ("aggregation redefined", "D_AGG_REDEF"),
    (
        "must be assigned the result of an aggregating function",
        "D_AGG_FUNC",
    ),
    (
        "may only be used as the value of an aggregation",
        "D_AGG_FUNC",
    ),
    ("keys must match those used before", "D_AGG_KEY"),
    (
        "lquantize( ) base (argument #1) must be less than",
        "D_LQUANT_MISMATCH",
    ),
    (
        "lquantize( ) step (argument #3) too large",
        "D_LQUANT_STEPLARGE",
    ),
    (
        "lquantize( ) step (argument #3) too small",
        "D_LQUANT_STEPSMALL",
    ),
    (
        "lquantize( ) argument #1 must be an integer",
        "D_LQUANT_BASETYPE",
    ),
    (
        "lquantize( ) argument #1 must be a 32-bit",
        "D_LQUANT_BASEVAL",
    ),
    (
        "lquantize( ) argument #2 must be an integer",
        "D_LQUANT_LIMTYPE",
    ),
    (
        "lquantize( ) argument #2 must be a 32-bit",
        "D_LQUANT_LIMVAL",
    ),
    (
        "lquantize( ) argument #3 must be a non-zero",
        "D_LQUANT_STEPTYPE",
    ),
    (
        "lquantize( ) argument #3 must be a 16-bit",
        "D_LQUANT_STEPVAL",
    ),
    (
        "lquantize( ) base (argument #1) doesn't match",
        "D_LQUANT_MATCHBASE",
    ),
    (
        "lquantize( ) limit (argument #2) doesn't match",
        "D_LQUANT_MATCHLIM",
    ),
    (
        "lquantize( ) step (argument #3) doesn't match",
        "D_LQUANT_MATCHSTEP",
    ),
    (
        "llquantize( ) argument #1 must be an integer",
        "D_LLQUANT_FACTORTYPE",
    ),
    (
        "llquantize( ) argument #1 must be an unsigned",
        "D_LLQUANT_FACTORVAL",
    ),
    (
        "llquantize( ) argument #2 must be an integer",
        "D_LLQUANT_LMAGTYPE",
    ),
    (
        "llquantize( ) argument #2 must be an unsigned",
        "D_LLQUANT_LMAGVAL",
    ),
    (
        "llquantize( ) argument #3 must be an integer",
        "D_LLQUANT_HMAGTYPE",
    ),
    ("llquantize( ) argument #3", "D_LLQUANT_HMAGVAL"),
    (
        "llquantize( ) argument #4 must be an integer",
        "D_LLQUANT_STEPTYPE",
    ),
    (
        "llquantize( ) argument #4 must be a non-zero",
        "D_LLQUANT_STEPTYPE",
    ),
    (
        "llquantize( ) argument #4 must be an unsigned",
        "D_LLQUANT_STEPVAL",
    ),
    ("llquantize() argument #4 (steps)", "D_LLQUANT_STEPVAL"),
    (
        "llquantize() factor (argument #1) doesn't match",
        "D_LLQUANT_MATCHFACTOR",
    ),
    (
        "llquantize() lmag (argument #2) doesn't match",
        "D_LLQUANT_MATCHLMAG",
    ),
    (
        "llquantize() hmag (argument #3) doesn't match",
        "D_LLQUANT_MATCHHMAG",
    ),
    (
        "llquantize() steps (argument #4) doesn't match",
        "D_LLQUANT_MATCHSTEPS",
    ),
    ("increment value (argument #", "D_PROTO_ARG"),
    ("argument #1 must be of scalar type", "D_AGG_SCALAR"),
    ("prototype mismatch: conversion #", "D_PRINTF_ARG_PROTO"),
    ("prototype mismatch: only", "D_PRINTF_ARG_EXTRA"),
    ("is incompatible with conversion #", "D_PRINTF_ARG_TYPE"),
    ("format error", "D_PRINTF_DYN_PROTO"),
    ("is only valid in printa", "D_PRINTF_AGG_CONV"),
    ("must be an aggregation", "D_PRINTA_AGGARG"),
    (
        "must have the same keys as the first aggregation",
        "D_PRINTA_AGGKEY",
    ),
    ("prototype mismatch", "D_PROTO_LEN"),
    ("Invalid option name", "D_PRAGMA_OPTSET"),
    ("does not match any probes", "D_PDESC_ZERO"),
    ("syntax error", "D_SYNTAX"),
];

/// The tag for an error message, when one is known.
pub fn tag_for(message: &str) -> Option<&'static str> {
    TAGS.iter()
        .find(|(fragment, _)| message.contains(fragment))
        .map(|(_, tag)| *tag)
}
