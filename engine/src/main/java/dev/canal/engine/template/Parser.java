package dev.canal.engine.template;

import dev.canal.engine.template.Ast.Args;
import dev.canal.engine.template.Ast.Assign;
import dev.canal.engine.template.Ast.AssignBlock;
import dev.canal.engine.template.Ast.Binary;
import dev.canal.engine.template.Ast.Break;
import dev.canal.engine.template.Ast.Call;
import dev.canal.engine.template.Ast.Compare;
import dev.canal.engine.template.Ast.Concat;
import dev.canal.engine.template.Ast.CondExpr;
import dev.canal.engine.template.Ast.Const;
import dev.canal.engine.template.Ast.Continue;
import dev.canal.engine.template.Ast.DictExpr;
import dev.canal.engine.template.Ast.Expr;
import dev.canal.engine.template.Ast.FilterBlock;
import dev.canal.engine.template.Ast.FilterCall;
import dev.canal.engine.template.Ast.For;
import dev.canal.engine.template.Ast.GetAttr;
import dev.canal.engine.template.Ast.GetItem;
import dev.canal.engine.template.Ast.If;
import dev.canal.engine.template.Ast.ListExpr;
import dev.canal.engine.template.Ast.Macro;
import dev.canal.engine.template.Ast.Name;
import dev.canal.engine.template.Ast.Node;
import dev.canal.engine.template.Ast.NsRef;
import dev.canal.engine.template.Ast.Output;
import dev.canal.engine.template.Ast.Slice;
import dev.canal.engine.template.Ast.TestCall;
import dev.canal.engine.template.Ast.Text;
import dev.canal.engine.template.Ast.TupleExpr;
import dev.canal.engine.template.Ast.Unary;
import dev.canal.engine.template.Ast.With;
import dev.canal.engine.template.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Recursive-descent parser following jinja2/parser.py rule for rule, so precedence and quirks match. */
final class Parser {
    private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", "<=", ">", ">=");
    private static final Set<Kind> TEST_ARG_START = Set.of(Kind.NAME, Kind.STRING, Kind.INTEGER, Kind.FLOAT);

    private final List<Token> tokens;
    private int index;
    private int loopDepth;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Node> parse(String source) {
        return new Parser(Lexer.tokenize(source)).subparse(null);
    }

    // ---- token stream helpers

    private Token current() {
        return tokens.get(index);
    }

    private Token look() {
        return tokens.get(Math.min(index + 1, tokens.size() - 1));
    }

    private Token advance() {
        Token t = tokens.get(index);
        if (t.kind() != Kind.EOF) {
            index++;
        }
        return t;
    }

    private boolean skipName(String name) {
        if (current().isName(name)) {
            index++;
            return true;
        }
        return false;
    }

    private boolean skipOp(String op) {
        if (current().isOp(op)) {
            index++;
            return true;
        }
        return false;
    }

    private Token expect(Kind kind, String describe) {
        Token t = current();
        if (t.kind() != kind) {
            throw fail("expected " + describe + ", got '" + t.describe() + "'", t.line());
        }
        return advance();
    }

    private void expectOp(String op) {
        if (!current().isOp(op)) {
            throw fail("expected token '" + op + "', got '" + current().describe() + "'", current().line());
        }
        index++;
    }

    private static TemplateError fail(String message, int line) {
        return TemplateError.syntax(message, line);
    }

    // ---- statements

    /** Parses until one of endTags opens a block (left as the current token) or, when endTags is null, to EOF. */
    private List<Node> subparse(Set<String> endTags) {
        List<Node> body = new ArrayList<>();
        while (current().kind() != Kind.EOF) {
            Token t = current();
            switch (t.kind()) {
                case TEXT -> {
                    body.add(new Text(t.text()));
                    index++;
                }
                case VAR_BEGIN -> {
                    index++;
                    Expr e = parseTuple(false, true, Set.of(), false, false);
                    expect(Kind.VAR_END, "end of print statement");
                    body.add(new Output(e, t.line()));
                }
                case BLOCK_BEGIN -> {
                    index++;
                    if (endTags != null && current().kind() == Kind.NAME && endTags.contains(current().text())) {
                        return body;
                    }
                    parseStatement(body);
                    expect(Kind.BLOCK_END, "end of statement block");
                }
                default -> throw fail("unexpected '" + t.describe() + "'", t.line());
            }
        }
        if (endTags != null) {
            throw fail("Unexpected end of template. Jinja was looking for the following tags: "
                    + String.join(" or ", endTags.stream().sorted().map(s -> "'" + s + "'").toList()) + ".",
                    current().line());
        }
        return body;
    }

    private List<Node> parseStatements(Set<String> endTags, boolean dropNeedle) {
        skipOp(":");
        expect(Kind.BLOCK_END, "end of statement block");
        List<Node> body = subparse(endTags);
        if (dropNeedle) {
            advance();
        }
        return body;
    }

    private void parseStatement(List<Node> into) {
        Token tag = current();
        if (tag.kind() != Kind.NAME) {
            throw fail("tag name expected", tag.line());
        }
        switch (tag.text()) {
            case "for" -> into.add(parseFor());
            case "if" -> into.add(parseIf());
            case "set" -> into.add(parseSet());
            case "macro" -> into.add(parseMacro());
            case "filter" -> into.add(parseFilterBlock());
            case "with" -> into.add(parseWith());
            case "break", "continue" -> {
                index++;
                if (loopDepth == 0) {
                    throw fail("'" + tag.text() + "' outside loop", tag.line());
                }
                into.add(tag.text().equals("break") ? new Break(tag.line()) : new Continue(tag.line()));
            }
            case "generation" -> {
                // transformers' AssistantTracker tag: marks assistant text for masks, renders its body unchanged.
                index++;
                into.addAll(parseStatements(Set.of("endgeneration"), true));
            }
            default -> throw fail("Encountered unknown tag '" + tag.text() + "'.", tag.line());
        }
    }

    private For parseFor() {
        int line = advance().line();
        Expr target = parseAssignTarget(true, Set.of("in"), false);
        if (!skipName("in")) {
            throw fail("expected token 'in', got '" + current().describe() + "'", current().line());
        }
        Expr iterable = parseTuple(false, false, Set.of("recursive"), false, false);
        Expr filter = skipName("if") ? parseExpression(true) : null;
        if (current().isName("recursive")) {
            throw fail("recursive for loops are not supported", current().line());
        }
        loopDepth++;
        List<Node> body = parseStatements(Set.of("endfor", "else"), false);
        loopDepth--;
        List<Node> otherwise = List.of();
        if (advance().text().equals("else")) {
            otherwise = parseStatements(Set.of("endfor"), true);
        }
        return new For(target, iterable, filter, body, otherwise, line);
    }

    private If parseIf() {
        int line = advance().line();
        List<Expr> tests = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        List<Node> otherwise = List.of();
        while (true) {
            tests.add(parseTuple(false, false, Set.of(), false, false));
            bodies.add(parseStatements(Set.of("elif", "else", "endif"), false));
            Token t = advance();
            if (t.text().equals("elif")) {
                continue;
            }
            if (t.text().equals("else")) {
                otherwise = parseStatements(Set.of("endif"), true);
            }
            break;
        }
        return new If(tests, bodies, otherwise, line);
    }

    private Node parseSet() {
        int line = advance().line();
        Expr target = parseAssignTarget(true, Set.of(), true);
        if (skipOp("=")) {
            return new Assign(target, parseTuple(false, true, Set.of(), false, false), line);
        }
        FilterCall filter = current().isOp("|") ? parseFilter(null, false) : null;
        return new AssignBlock(target, filter, parseStatements(Set.of("endset"), true), line);
    }

    private Macro parseMacro() {
        int line = advance().line();
        String name = expect(Kind.NAME, "name").text();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        expectOp("(");
        while (!current().isOp(")")) {
            if (!params.isEmpty()) {
                expectOp(",");
            }
            params.add(expect(Kind.NAME, "name").text());
            if (skipOp("=")) {
                defaults.add(parseExpression(true));
            } else if (!defaults.isEmpty()) {
                throw fail("non-default argument follows default argument", current().line());
            }
        }
        expectOp(")");
        int savedDepth = loopDepth;
        loopDepth = 0;
        List<Node> body = parseStatements(Set.of("endmacro"), true);
        loopDepth = savedDepth;
        return new Macro(name, params, defaults, body, line);
    }

    private FilterBlock parseFilterBlock() {
        int line = advance().line();
        FilterCall filter = parseFilter(null, true);
        return new FilterBlock(filter, parseStatements(Set.of("endfilter"), true), line);
    }

    private With parseWith() {
        int line = advance().line();
        List<Expr> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (current().kind() != Kind.BLOCK_END) {
            if (!targets.isEmpty()) {
                expectOp(",");
            }
            targets.add(parseAssignTarget(true, Set.of(), false));
            expectOp("=");
            values.add(parseExpression(true));
        }
        return new With(targets, values, parseStatements(Set.of("endwith"), true), line);
    }

    private Expr parseAssignTarget(boolean withTuple, Set<String> extraEnd, boolean withNamespace) {
        int line = current().line();
        Expr target = withTuple ? parseTuple(true, true, extraEnd, false, withNamespace) : parsePrimary(withNamespace);
        boolean ok = switch (target) {
            case Name n -> true;
            case NsRef r -> true;
            case TupleExpr t -> t.items().stream().allMatch(e -> e instanceof Name || e instanceof NsRef);
            default -> false;
        };
        if (!ok) {
            throw fail("can't assign to '" + target.getClass().getSimpleName().toLowerCase() + "'", line);
        }
        return target;
    }

    // ---- expressions

    private Expr parseExpression(boolean withCondexpr) {
        return withCondexpr ? parseCondexpr() : parseOr();
    }

    private Expr parseCondexpr() {
        int line = current().line();
        Expr expr1 = parseOr();
        while (skipName("if")) {
            Expr expr2 = parseOr();
            Expr expr3 = skipName("else") ? parseCondexpr() : null;
            expr1 = new CondExpr(expr2, expr1, expr3, line);
        }
        return expr1;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (current().isName("or")) {
            int line = advance().line();
            left = new Binary("or", left, parseAnd(), line);
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (current().isName("and")) {
            int line = advance().line();
            left = new Binary("and", left, parseNot(), line);
        }
        return left;
    }

    private Expr parseNot() {
        if (current().isName("not")) {
            int line = advance().line();
            return new Unary("not", parseNot(), line);
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        int line = current().line();
        Expr expr = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> operands = new ArrayList<>();
        while (true) {
            Token t = current();
            if (t.kind() == Kind.OP && COMPARE_OPS.contains(t.text())) {
                index++;
                ops.add(t.text());
            } else if (skipName("in")) {
                ops.add("in");
            } else if (t.isName("not") && look().isName("in")) {
                index += 2;
                ops.add("notin");
            } else {
                break;
            }
            operands.add(parseMath1());
        }
        return ops.isEmpty() ? expr : new Compare(expr, ops, operands, line);
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        while (current().isOp("+") || current().isOp("-")) {
            Token op = advance();
            left = new Binary(op.text(), left, parseConcat(), op.line());
        }
        return left;
    }

    private Expr parseConcat() {
        int line = current().line();
        List<Expr> parts = new ArrayList<>();
        parts.add(parseMath2());
        while (skipOp("~")) {
            parts.add(parseMath2());
        }
        return parts.size() == 1 ? parts.getFirst() : new Concat(parts, line);
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        while (current().isOp("*") || current().isOp("/") || current().isOp("//") || current().isOp("%")) {
            Token op = advance();
            left = new Binary(op.text(), left, parsePow(), op.line());
        }
        return left;
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        while (current().isOp("**")) {
            Token op = advance();
            left = new Binary("**", left, parseUnary(true), op.line());
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        Token t = current();
        Expr node;
        if (t.isOp("-") || t.isOp("+")) {
            index++;
            node = new Unary(t.text(), parseUnary(false), t.line());
        } else {
            node = parsePrimary(false);
        }
        node = parsePostfix(node);
        return withFilter ? parseFilterExpr(node) : node;
    }

    private Expr parsePrimary(boolean withNamespace) {
        Token t = current();
        switch (t.kind()) {
            case NAME -> {
                index++;
                switch (t.text()) {
                    case "true", "True" -> {
                        return new Const(Boolean.TRUE);
                    }
                    case "false", "False" -> {
                        return new Const(Boolean.FALSE);
                    }
                    case "none", "None" -> {
                        return new Const(null);
                    }
                    default -> {
                        if (withNamespace && current().isOp(".")) {
                            index++;
                            return new NsRef(t.text(), expect(Kind.NAME, "name").text(), t.line());
                        }
                        return new Name(t.text(), t.line());
                    }
                }
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder();
                while (current().kind() == Kind.STRING) {
                    sb.append((String) advance().value());
                }
                return new Const(sb.toString());
            }
            case INTEGER, FLOAT -> {
                index++;
                return new Const(t.value());
            }
            case OP -> {
                if (t.isOp("(")) {
                    index++;
                    Expr e = parseTuple(false, true, Set.of(), true, false);
                    expectOp(")");
                    return e;
                }
                if (t.isOp("[")) {
                    return parseList();
                }
                if (t.isOp("{")) {
                    return parseDict();
                }
            }
            default -> {
            }
        }
        throw fail("unexpected '" + t.describe() + "'", t.line());
    }

    private boolean isTupleEnd(Set<String> extraEnd) {
        Token t = current();
        return t.kind() == Kind.VAR_END || t.kind() == Kind.BLOCK_END || t.kind() == Kind.EOF || t.isOp(")")
                || (t.kind() == Kind.NAME && extraEnd.contains(t.text()));
    }

    private Expr parseTuple(boolean simplified, boolean withCondexpr, Set<String> extraEnd, boolean explicitParens,
            boolean withNamespace) {
        List<Expr> items = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!items.isEmpty()) {
                expectOp(",");
            }
            if (isTupleEnd(extraEnd)) {
                break;
            }
            items.add(simplified ? parsePrimary(withNamespace) : parseExpression(withCondexpr));
            if (current().isOp(",")) {
                isTuple = true;
            } else {
                break;
            }
        }
        if (!isTuple) {
            if (!items.isEmpty()) {
                return items.getFirst();
            }
            if (!explicitParens) {
                throw fail("Expected an expression, got '" + current().describe() + "'", current().line());
            }
        }
        return new TupleExpr(items);
    }

    private Expr parseList() {
        expectOp("[");
        List<Expr> items = new ArrayList<>();
        while (!current().isOp("]")) {
            if (!items.isEmpty()) {
                expectOp(",");
            }
            if (current().isOp("]")) {
                break;
            }
            items.add(parseExpression(true));
        }
        expectOp("]");
        return new ListExpr(items);
    }

    private Expr parseDict() {
        expectOp("{");
        List<Expr> keys = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!current().isOp("}")) {
            if (!keys.isEmpty()) {
                expectOp(",");
            }
            if (current().isOp("}")) {
                break;
            }
            keys.add(parseExpression(true));
            expectOp(":");
            values.add(parseExpression(true));
        }
        expectOp("}");
        return new DictExpr(keys, values);
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            if (current().isOp(".") || current().isOp("[")) {
                node = parseSubscript(node);
            } else if (current().isOp("(")) {
                int line = current().line();
                node = new Call(node, parseCallArgs(), line);
            } else {
                return node;
            }
        }
    }

    private Expr parseFilterExpr(Expr node) {
        while (true) {
            if (current().isOp("|")) {
                node = parseFilter(node, false);
            } else if (current().isName("is")) {
                node = parseTest(node);
            } else if (current().isOp("(")) {
                int line = current().line();
                node = new Call(node, parseCallArgs(), line);
            } else {
                return node;
            }
        }
    }

    private Expr parseSubscript(Expr node) {
        Token t = advance();
        if (t.isOp(".")) {
            Token attr = advance();
            if (attr.kind() == Kind.NAME) {
                return new GetAttr(node, attr.text(), t.line());
            }
            if (attr.kind() != Kind.INTEGER) {
                throw fail("expected name or number", attr.line());
            }
            return new GetItem(node, new Const(attr.value()), t.line());
        }
        List<Expr> args = new ArrayList<>();
        while (!current().isOp("]")) {
            if (!args.isEmpty()) {
                expectOp(",");
            }
            args.add(parseSubscribed());
        }
        expectOp("]");
        return new GetItem(node, args.size() == 1 ? args.getFirst() : new TupleExpr(args), t.line());
    }

    private Expr parseSubscribed() {
        Expr start = null;
        if (!skipOp(":")) {
            Expr node = parseExpression(true);
            if (!skipOp(":")) {
                return node;
            }
            start = node;
        }
        Expr stop = null;
        if (!current().isOp(":") && !current().isOp("]") && !current().isOp(",")) {
            stop = parseExpression(true);
        }
        Expr step = null;
        if (skipOp(":") && !current().isOp("]") && !current().isOp(",")) {
            step = parseExpression(true);
        }
        return new Slice(start, stop, step);
    }

    private Args parseCallArgs() {
        int line = current().line();
        expectOp("(");
        List<Expr> positional = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        Expr starArgs = null;
        Expr starKwargs = null;
        boolean requireComma = false;
        while (!current().isOp(")")) {
            if (requireComma) {
                expectOp(",");
                if (current().isOp(")")) {
                    break;
                }
            }
            if (skipOp("*")) {
                check(starArgs == null && starKwargs == null, line);
                starArgs = parseExpression(true);
            } else if (skipOp("**")) {
                check(starKwargs == null, line);
                starKwargs = parseExpression(true);
            } else if (current().kind() == Kind.NAME && look().isOp("=")) {
                check(starKwargs == null, line);
                names.add(advance().text());
                index++;
                values.add(parseExpression(true));
            } else {
                check(starArgs == null && starKwargs == null && names.isEmpty(), line);
                positional.add(parseExpression(true));
            }
            requireComma = true;
        }
        expectOp(")");
        return new Args(positional, names, values, starArgs, starKwargs);
    }

    private static void check(boolean ok, int line) {
        if (!ok) {
            throw fail("invalid syntax for function call expression", line);
        }
    }

    private String dottedName() {
        StringBuilder name = new StringBuilder(expect(Kind.NAME, "name").text());
        while (skipOp(".")) {
            name.append('.').append(expect(Kind.NAME, "name").text());
        }
        return name.toString();
    }

    private FilterCall parseFilter(Expr node, boolean startInline) {
        FilterCall result = null;
        Expr value = node;
        while (current().isOp("|") || startInline) {
            if (!startInline) {
                index++;
            }
            int line = current().line();
            String name = dottedName();
            Args args = current().isOp("(") ? parseCallArgs() : Args.NONE;
            result = new FilterCall(value, name, args, line);
            value = result;
            startInline = false;
        }
        return result;
    }

    private Expr parseTest(Expr node) {
        int line = advance().line();
        boolean negated = skipName("not");
        String name = dottedName();
        Args args = Args.NONE;
        Token t = current();
        if (t.isOp("(")) {
            args = parseCallArgs();
        } else if ((TEST_ARG_START.contains(t.kind()) || t.isOp("(") || t.isOp("[") || t.isOp("{"))
                && !t.isName("else") && !t.isName("or") && !t.isName("and")) {
            if (t.isName("is")) {
                throw fail("You cannot chain multiple tests with is", t.line());
            }
            Expr arg = parsePostfix(parsePrimary(false));
            args = new Args(List.of(arg), List.of(), List.of(), null, null);
        }
        Expr test = new TestCall(node, name, args, line);
        return negated ? new Unary("not", test, line) : test;
    }
}
