package dev.canal.engine.template;

import java.util.List;

/** The parsed template: statement nodes and expression nodes, shaped like jinja2's own AST. */
final class Ast {
    private Ast() {
    }

    sealed interface Node permits Text, Output, If, For, Assign, AssignBlock, Macro, FilterBlock, With, Break, Continue {
    }

    record Text(String text) implements Node {
    }

    record Output(Expr expr, int line) implements Node {
    }

    /** tests.get(i) guards bodies.get(i) (if, then each elif); otherwise is the else body. */
    record If(List<Expr> tests, List<List<Node>> bodies, List<Node> otherwise, int line) implements Node {
    }

    record For(Expr target, Expr iterable, Expr filter, List<Node> body, List<Node> otherwise, int line)
            implements Node {
    }

    record Assign(Expr target, Expr value, int line) implements Node {
    }

    /** {% set x %}...{% endset %}; filter is a chain whose innermost value is null (the captured text). */
    record AssignBlock(Expr target, FilterCall filter, List<Node> body, int line) implements Node {
    }

    record Macro(String name, List<String> params, List<Expr> defaults, List<Node> body, int line) implements Node {
    }

    record FilterBlock(FilterCall filter, List<Node> body, int line) implements Node {
    }

    record With(List<Expr> targets, List<Expr> values, List<Node> body, int line) implements Node {
    }

    record Break(int line) implements Node {
    }

    record Continue(int line) implements Node {
    }

    sealed interface Expr permits Const, Name, NsRef, ListExpr, TupleExpr, DictExpr, GetAttr, GetItem, Slice, Call,
            FilterCall, TestCall, Unary, Binary, Concat, Compare, CondExpr {
    }

    record Const(Object value) implements Expr {
    }

    record Name(String name, int line) implements Expr {
    }

    /** ns.attr as the target of set. */
    record NsRef(String name, String attribute, int line) implements Expr {
    }

    record ListExpr(List<Expr> items) implements Expr {
    }

    record TupleExpr(List<Expr> items) implements Expr {
    }

    record DictExpr(List<Expr> keys, List<Expr> values) implements Expr {
    }

    record GetAttr(Expr target, String name, int line) implements Expr {
    }

    record GetItem(Expr target, Expr key, int line) implements Expr {
    }

    /** start:stop:step inside brackets; any part may be null. */
    record Slice(Expr start, Expr stop, Expr step) implements Expr {
    }

    record Args(List<Expr> positional, List<String> keywordNames, List<Expr> keywordValues, Expr starArgs,
            Expr starKwargs) {
        static final Args NONE = new Args(List.of(), List.of(), List.of(), null, null);
    }

    record Call(Expr callee, Args args, int line) implements Expr {
    }

    record FilterCall(Expr value, String name, Args args, int line) implements Expr {
    }

    record TestCall(Expr value, String name, Args args, int line) implements Expr {
    }

    /** op is "-", "+" or "not". */
    record Unary(String op, Expr operand, int line) implements Expr {
    }

    /** op is one of + - * / // % ** and or. */
    record Binary(String op, Expr left, Expr right, int line) implements Expr {
    }

    record Concat(List<Expr> parts, int line) implements Expr {
    }

    /** Chained comparison: first ops[0] operands[0] ops[1] operands[1] ...; ops include "in" and "notin". */
    record Compare(Expr first, List<String> ops, List<Expr> operands, int line) implements Expr {
    }

    record CondExpr(Expr test, Expr then, Expr otherwise, int line) implements Expr {
    }
}
