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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Walks the parsed template and writes its output; one instance per render call. */
final class Renderer {
    /** How a statement list ended: normally, or by break/continue that the enclosing loop must honour. */
    private enum Signal { NORMAL, BREAK, CONTINUE }

    /** Line of the statement or expression being evaluated, for error messages. */
    private int line;

    String render(List<Node> template, Scope globals) {
        StringBuilder out = new StringBuilder();
        try {
            exec(template, new Scope(globals), out);
        } catch (TemplateError e) {
            throw e.atLine(line);
        } catch (StackOverflowError e) {
            throw TemplateError.runtime("template recursion too deep").atLine(line);
        } catch (ArithmeticException | IllegalArgumentException | IndexOutOfBoundsException | ClassCastException e) {
            // A Python operation this interpreter models imperfectly: report it on the template line, not as a crash.
            throw TemplateError.runtime(e.getClass().getSimpleName() + ": " + e.getMessage()).atLine(line);
        }
        return out.toString();
    }

    private Signal exec(List<Node> nodes, Scope scope, StringBuilder out) {
        for (Node n : nodes) {
            Signal s = exec(n, scope, out);
            if (s != Signal.NORMAL) {
                return s;
            }
        }
        return Signal.NORMAL;
    }

    private Signal exec(Node node, Scope scope, StringBuilder out) {
        switch (node) {
            case Text t -> out.append(t.text());
            case Output o -> {
                line = o.line();
                out.append(PyOps.str(eval(o.expr(), scope)));
            }
            case If i -> {
                line = i.line();
                for (int k = 0; k < i.tests().size(); k++) {
                    if (PyOps.truthy(eval(i.tests().get(k), scope))) {
                        return exec(i.bodies().get(k), scope, out);
                    }
                }
                return exec(i.otherwise(), scope, out);
            }
            case For f -> execFor(f, scope, out);
            case Assign a -> {
                line = a.line();
                assign(a.target(), eval(a.value(), scope), scope);
            }
            case AssignBlock b -> {
                line = b.line();
                StringBuilder captured = new StringBuilder();
                Signal s = exec(b.body(), new Scope(scope), captured);
                Object value = b.filter() == null ? captured.toString() : applyFilters(b.filter(), captured.toString(), scope);
                assign(b.target(), value, scope);
                return s;
            }
            case Macro m -> scope.set(m.name(), macro(m, scope));
            case FilterBlock fb -> {
                line = fb.line();
                StringBuilder captured = new StringBuilder();
                Signal s = exec(fb.body(), new Scope(scope), captured);
                out.append(PyOps.str(applyFilters(fb.filter(), captured.toString(), scope)));
                return s;
            }
            case With w -> {
                line = w.line();
                Scope inner = new Scope(scope);
                for (int k = 0; k < w.targets().size(); k++) {
                    assign(w.targets().get(k), eval(w.values().get(k), scope), inner);
                }
                return exec(w.body(), inner, out);
            }
            case Break b -> {
                return Signal.BREAK;
            }
            case Continue c -> {
                return Signal.CONTINUE;
            }
        }
        return Signal.NORMAL;
    }

    private void execFor(For f, Scope scope, StringBuilder out) {
        line = f.line();
        List<Object> items = PyOps.iterate(eval(f.iterable(), scope));
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope s = new Scope(scope);
                assign(f.target(), item, s);
                if (PyOps.truthy(eval(f.filter(), s))) {
                    // jinja2 filters through a generator that yields the target back, so with a k, v target
                    // the kept items become tuples (visible through loop.previtem / loop.nextitem).
                    kept.add(f.target() instanceof TupleExpr ? new PyTuple(PyOps.iterate(item)) : item);
                }
            }
            items = kept;
        }
        LoopContext loop = new LoopContext(items);
        // jinja2 runs the else block unless some iteration reached the end of the body: an iteration that
        // ends in continue or break does not count, so a loop that only ever continues also gets its else.
        boolean bodyCompleted = false;
        for (int i = 0; i < items.size(); i++) {
            // A fresh scope per iteration: jinja2 does not carry `set` from one iteration to the next.
            Scope s = new Scope(scope);
            loop.index0 = i;
            s.set("loop", loop);
            assign(f.target(), items.get(i), s);
            Signal signal = exec(f.body(), s, out);
            if (signal == Signal.BREAK) {
                break;
            }
            bodyCompleted |= signal == Signal.NORMAL;
        }
        if (!bodyCompleted) {
            exec(f.otherwise(), new Scope(scope), out);
        }
    }

    private void assign(Expr target, Object value, Scope scope) {
        switch (target) {
            case Name n -> scope.set(n.name(), value);
            case NsRef r -> {
                Object ns = scope.lookup(r.name());
                if (!(ns instanceof Namespace namespace)) {
                    throw TemplateError.runtime("cannot assign attribute on non-namespace object");
                }
                namespace.attributes.put(r.attribute(), value);
            }
            case TupleExpr t -> {
                List<Object> values = PyOps.iterate(value);
                if (values.size() != t.items().size()) {
                    throw TemplateError.runtime(values.size() < t.items().size()
                            ? "not enough values to unpack (expected " + t.items().size() + ", got " + values.size() + ")"
                            : "too many values to unpack (expected " + t.items().size() + ")");
                }
                for (int i = 0; i < values.size(); i++) {
                    assign(t.items().get(i), values.get(i), scope);
                }
            }
            default -> throw TemplateError.runtime("cannot assign to this expression");
        }
    }

    private PyCallable macro(Macro m, Scope definedIn) {
        return (args, kwargs) -> {
            if (args.size() > m.params().size()) {
                throw TemplateError.runtime("macro '" + m.name() + "' takes not more than " + m.params().size()
                        + " argument(s)");
            }
            for (String k : kwargs.keySet()) {
                if (!m.params().contains(k)) {
                    throw TemplateError.runtime("macro '" + m.name() + "' takes no keyword argument '" + k + "'");
                }
            }
            Scope s = new Scope(definedIn);
            int firstDefault = m.params().size() - m.defaults().size();
            for (int i = 0; i < m.params().size(); i++) {
                String p = m.params().get(i);
                Object v;
                if (i < args.size()) {
                    v = args.get(i);
                } else if (kwargs.containsKey(p)) {
                    v = kwargs.get(p);
                } else if (i >= firstDefault) {
                    v = eval(m.defaults().get(i - firstDefault), s);
                } else {
                    v = Undefined.named(p);
                }
                s.set(p, v);
            }
            StringBuilder out = new StringBuilder();
            int callerLine = line;
            exec(m.body(), s, out);
            line = callerLine;
            return out.toString();
        };
    }

    /** A filter chain from a block tag; its innermost value (null in the AST) is the captured text. */
    private Object applyFilters(FilterCall f, Object captured, Scope scope) {
        Object input = f.value() == null ? captured : applyFilters((FilterCall) f.value(), captured, scope);
        List<Object> args = new ArrayList<>();
        Map<String, Object> kwargs = new LinkedHashMap<>();
        evalArgs(f.args(), scope, args, kwargs);
        return JinjaFilters.apply(f.name(), input, args, kwargs);
    }

    private Object eval(Expr expr, Scope scope) {
        return switch (expr) {
            case Const c -> c.value();
            case Name n -> {
                Object v = scope.lookup(n.name());
                yield v == Scope.ABSENT ? Undefined.named(n.name()) : v;
            }
            case NsRef r -> throw TemplateError.runtime("namespace reference outside of set");
            case ListExpr l -> evalAll(l.items(), scope);
            case TupleExpr t -> new PyTuple(evalAll(t.items(), scope));
            case DictExpr d -> {
                Map<Object, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) {
                    Object key = eval(d.keys().get(i), scope);
                    Object existing = PyOps.findKey(map, key);
                    map.put(existing != PyOps.NO_KEY ? existing : key, eval(d.values().get(i), scope));
                }
                yield map;
            }
            case GetAttr g -> {
                Object target = eval(g.target(), scope);
                line = g.line();
                yield PyAccess.getattr(target, g.name());
            }
            case GetItem g -> {
                Object target = eval(g.target(), scope);
                Object key = g.key() instanceof Slice s
                        ? new PyAccess.SliceValue(evalOrNull(s.start(), scope), evalOrNull(s.stop(), scope),
                                evalOrNull(s.step(), scope))
                        : eval(g.key(), scope);
                line = g.line();
                yield PyAccess.getitem(target, key);
            }
            case Slice s -> throw TemplateError.runtime("slice outside of a subscript");
            case Call c -> {
                Object callee = eval(c.callee(), scope);
                List<Object> args = new ArrayList<>();
                Map<String, Object> kwargs = new LinkedHashMap<>();
                evalArgs(c.args(), scope, args, kwargs);
                line = c.line();
                yield call(callee, args, kwargs);
            }
            case FilterCall f -> {
                Object value = eval(f.value(), scope);
                List<Object> args = new ArrayList<>();
                Map<String, Object> kwargs = new LinkedHashMap<>();
                evalArgs(f.args(), scope, args, kwargs);
                line = f.line();
                yield JinjaFilters.apply(f.name(), value, args, kwargs);
            }
            case TestCall t -> {
                Object value = eval(t.value(), scope);
                List<Object> args = new ArrayList<>();
                Map<String, Object> kwargs = new LinkedHashMap<>();
                evalArgs(t.args(), scope, args, kwargs);
                line = t.line();
                yield JinjaTests.apply(t.name(), value, args, kwargs);
            }
            case Unary u -> {
                Object v = eval(u.operand(), scope);
                line = u.line();
                yield switch (u.op()) {
                    case "not" -> !PyOps.truthy(v);
                    case "-" -> PyArithmetic.negate(v);
                    default -> PyArithmetic.plus(v);
                };
            }
            case Binary b -> evalBinary(b, scope);
            case Concat c -> {
                StringBuilder sb = new StringBuilder();
                for (Expr part : c.parts()) {
                    sb.append(PyOps.str(eval(part, scope)));
                }
                yield sb.toString();
            }
            case Compare c -> evalCompare(c, scope);
            case CondExpr c -> {
                if (PyOps.truthy(eval(c.test(), scope))) {
                    yield eval(c.then(), scope);
                }
                yield c.otherwise() != null ? eval(c.otherwise(), scope)
                        : new Undefined("the inline if-expression on line " + c.line()
                                + " evaluated to false and no else section was defined.");
            }
        };
    }

    private Object evalOrNull(Expr e, Scope scope) {
        return e == null ? null : eval(e, scope);
    }

    private List<Object> evalAll(List<Expr> exprs, Scope scope) {
        List<Object> out = new ArrayList<>(exprs.size());
        for (Expr e : exprs) {
            out.add(eval(e, scope));
        }
        return out;
    }

    private void evalArgs(Args a, Scope scope, List<Object> args, Map<String, Object> kwargs) {
        args.addAll(evalAll(a.positional(), scope));
        if (a.starArgs() != null) {
            args.addAll(PyOps.iterate(eval(a.starArgs(), scope)));
        }
        for (int i = 0; i < a.keywordNames().size(); i++) {
            kwargs.put(a.keywordNames().get(i), eval(a.keywordValues().get(i), scope));
        }
        if (a.starKwargs() != null) {
            Object m = eval(a.starKwargs(), scope);
            if (!(m instanceof Map<?, ?> map)) {
                throw TemplateError.runtime("argument after ** must be a mapping, not " + PyOps.typeName(m));
            }
            map.forEach((k, v) -> kwargs.put(PyOps.str(k), v));
        }
    }

    private static Object call(Object callee, List<Object> args, Map<String, Object> kwargs) {
        return switch (callee) {
            case PyCallable f -> f.call(args, kwargs);
            case Undefined u -> throw u.fail();
            case null, default -> throw TemplateError.runtime("'" + PyOps.typeName(callee) + "' object is not callable");
        };
    }

    private Object evalBinary(Binary b, Scope scope) {
        Object left = eval(b.left(), scope);
        switch (b.op()) {
            case "and" -> {
                return PyOps.truthy(left) ? eval(b.right(), scope) : left;
            }
            case "or" -> {
                return PyOps.truthy(left) ? left : eval(b.right(), scope);
            }
            default -> {
                Object right = eval(b.right(), scope);
                line = b.line();
                return PyArithmetic.binary(b.op(), left, right);
            }
        }
    }

    private Object evalCompare(Compare c, Scope scope) {
        Object left = eval(c.first(), scope);
        for (int i = 0; i < c.ops().size(); i++) {
            Object right = eval(c.operands().get(i), scope);
            line = c.line();
            String op = c.ops().get(i);
            boolean ok = switch (op) {
                case "==" -> PyOps.eq(left, right);
                case "!=" -> !PyOps.eq(left, right);
                case "in" -> PyOps.contains(right, left);
                case "notin" -> !PyOps.contains(right, left);
                default -> PyOps.order(left, op, right);
            };
            if (!ok) {
                return false;
            }
            left = right;
        }
        return true;
    }
}
