"""Translate a model's pure-Python kernels into JavaScript (a numeric Python subset).

Private helper of generators/engine/_sas_plan.py. compile_functions([fn, ...]) returns the source of a
JS function body that defines every reachable function and returns them by name; it raises
Unsupported (with the reason) for anything outside the subset. Python exceptions are emulated
by the runtime `rt` (generators/compiled/_py_runtime.ts): `/`, `//`, `%`, `**` and math functions throw
where Python raises, so try/except of ZeroDivisionError, OverflowError, ValueError works, and a
result Python would make complex throws an error that nothing catches (the caller then renders
that image in Python).
"""
import ast
import inspect
import textwrap
import types

from _sas_compile_expr import Expressions, Unsupported, js_literal

_CATCHABLE = ("ZeroDivisionError", "OverflowError", "ValueError", "ArithmeticError", "Exception")


class _Program:
    """All functions reachable from the entry points, with hoisted constant tables."""

    def __init__(self, entries=(), remember=False):
        self.remember = remember  # the entries' call sites outside loops reuse results (memo_call)
        self.entries = {id(fn) for fn in entries}  # the functions the image loops call
        self.names = {}   # id(fn) -> js name
        self.chunks = []
        self.tables = {}  # id(tuple) -> (js name, literal, the tuple kept alive)
        self.math = set()
        self.memo = []    # argument count per remembering call site

    def memo_slot(self, nargs, hashed=False):
        """Name of a new call site's memory: a hashed table (<name>k keys, <name>v values) or
        [last result, its arguments …]."""
        self.memo.append(0 if hashed else nargs)
        return "_c%d" % (len(self.memo) - 1)

    def function_name(self, fn):
        key = id(fn)
        if key not in self.names:
            base = "%s__%s" % (getattr(fn, "__module__", None) or "m", fn.__name__)
            js = "f_" + "".join(c if c.isalnum() else "_" for c in base) + "_%d" % len(self.names)
            self.names[key] = js
            self.chunks.append(_Function(self, fn, js).source())
        return self.names[key]

    def table(self, value):
        key = id(value)
        if key not in self.tables:
            if not all(isinstance(v, (int, float)) for v in value):
                raise Unsupported("a module-level sequence holds non-numbers")
            name = "K%d" % len(self.tables)
            self.tables[key] = (name, "[%s]" % ", ".join(js_literal(float(v)) for v in value), value)
        return self.tables[key][0]

    def source(self, entries):
        exports = ", ".join("%s: %s" % (k, v) for k, v in entries.items())
        tables = "".join("const %s = %s;\n" % (n, lit) for n, lit, _ in self.tables.values())
        tables += "".join("const m_%s = rt.math.%s;\n" % (n, n) for n in sorted(self.math))
        if "sincos" in self.math:
            tables += "const m_cos_out = rt.cosOut;\n"
        for k, nargs in enumerate(self.memo):
            if nargs == 0:
                tables += ("const _c%dk = new Float64Array(256).fill(NaN), "
                           "_c%dv = new Float64Array(256);\n" % (k, k))
            else:
                tables += "const _c%d = new Float64Array(%d).fill(NaN);\n" % (k, nargs + 1)
        return '"use strict";\n%s%s\nreturn { %s };\n' % (tables, "\n".join(self.chunks), exports)


class _Function(Expressions):
    """Translator of one Python function into one JS function declaration."""

    def __init__(self, program, fn, js_name):
        if not isinstance(fn, types.FunctionType):
            raise Unsupported("%r is not a plain Python function" % (fn,))
        self.program, self.fn, self.js_name = program, fn, js_name
        # only the entries remember: a helper's arguments derive from its caller's, whose own
        # call site already answered a repeat
        self.remembers = program.remember and id(fn) in program.entries
        try:
            source = textwrap.dedent(inspect.getsource(fn))
        except (OSError, TypeError):
            raise Unsupported("no source for %s" % fn.__name__) from None
        tree = ast.parse(source).body[0]
        if not isinstance(tree, ast.FunctionDef) or tree.decorator_list:
            raise Unsupported("%s is not a plain def" % fn.__name__)
        a = tree.args
        if a.vararg or a.kwarg or a.kwonlyargs or a.defaults or a.posonlyargs:
            raise Unsupported("%s: only positional arguments without defaults" % fn.__name__)
        self.tree, self.params = tree, [x.arg for x in a.args]
        self.locals = set(self.params)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                self.locals.add(node.id)
            elif isinstance(node, (ast.Global, ast.Nonlocal, ast.Lambda, ast.ClassDef,
                                   ast.AsyncFunctionDef)) or \
                    (isinstance(node, ast.FunctionDef) and node is not tree):
                self.fail(node, type(node).__name__)
        self.temps = 0
        self.loop_depth = 0
        self.globals = fn.__globals__

    def fail(self, node, what):
        raise Unsupported("%s line %s: %s is not supported"
                          % (self.fn.__name__, getattr(node, "lineno", "?"), what))

    def temp(self):
        self.temps += 1
        return "_t%d" % self.temps

    def source(self):
        body = self.block(self.tree.body, "  ")
        names = sorted(self.locals - set(self.params))
        temps = ["_t%d" % i for i in range(1, self.temps + 1)]
        decl = "  let %s;\n" % ", ".join(["v_" + n for n in names] + temps) if names or temps else ""
        return "function %s(%s) {\n%s%s}\n" % (
            self.js_name, ", ".join("v_" + p for p in self.params), decl, body)

    # ---- statements -------------------------------------------------------------------------
    def block(self, stmts, ind):
        out, i = [], 0
        while i < len(stmts):
            pair = self.sincos_pair(stmts[i], stmts[i + 1]) if i + 1 < len(stmts) else None
            if pair:
                sin_name, cos_name, arg = pair
                self.program.math.add("sincos")
                out.append("%sv_%s = m_sincos(%s);\n%sv_%s = m_cos_out[0];\n"
                           % (ind, sin_name, self.expr(arg), ind, cos_name))
                i += 2
            else:
                out.append(self.stmt(stmts[i], ind))
                i += 1
        return "".join(out)

    def sincos_pair(self, first, second):
        """(sin target, cos target, argument) when two statements are `a = sin(e)`, `b = cos(e)`
        (either order) of one side-effect-free e that the first assignment leaves unchanged:
        one argument reduction then serves both (rt.math.sincos)."""
        calls = {}
        for s in (first, second):
            if not (isinstance(s, ast.Assign) and len(s.targets) == 1
                    and isinstance(s.targets[0], ast.Name) and isinstance(s.value, ast.Call)
                    and len(s.value.args) == 1 and not s.value.keywords):
                return None
            calls[self.math_function(s.value.func)] = (s.targets[0].id, s.value.args[0])
        if set(calls) != {"sin", "cos"} or calls["sin"][0] == calls["cos"][0]:
            return None
        arg = calls["sin"][1]
        if ast.dump(arg) != ast.dump(calls["cos"][1]):
            return None
        pure = (ast.Name, ast.Load, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Add, ast.Sub,
                ast.Mult, ast.USub, ast.UAdd)
        nodes = list(ast.walk(arg))
        if not all(isinstance(n, pure) for n in nodes) or any(
                isinstance(n, ast.Name) and n.id == first.targets[0].id for n in nodes):
            return None
        return calls["sin"][0], calls["cos"][0], arg

    def stmt(self, s, ind):
        if isinstance(s, ast.Expr):
            if isinstance(s.value, ast.Constant) and isinstance(s.value.value, str):
                return ""  # docstring
            return "%s%s;\n" % (ind, self.expr(s.value))
        if isinstance(s, ast.Pass):
            return ""
        if isinstance(s, ast.Return):
            return "%sreturn %s;\n" % (ind, self.expr(s.value, allow_tuple=True)
                                       if s.value is not None else self.fail(s, "bare return"))
        if isinstance(s, ast.Assign):
            value = self.expr(s.value, allow_tuple=True)
            if len(s.targets) != 1:
                t = self.temp()
                return "%s%s = %s;\n%s" % (ind, t, value, "".join(
                    self.store(tg, t, ind) for tg in s.targets))
            return self.store(s.targets[0], value, ind)
        if isinstance(s, ast.AugAssign):
            if not isinstance(s.target, ast.Name):
                self.fail(s, "augmented assignment to a non-name")
            fake = ast.BinOp(left=ast.Name(id=s.target.id, ctx=ast.Load()), op=s.op, right=s.value)
            return "%sv_%s = %s;\n" % (ind, s.target.id, self.expr(fake))
        if isinstance(s, ast.If):
            out = "%sif (%s) {\n%s%s}" % (ind, self.test(s.test), self.block(s.body, ind + "  "), ind)
            if s.orelse:
                out += " else {\n%s%s}" % (self.block(s.orelse, ind + "  "), ind)
            return out + "\n"
        if isinstance(s, ast.While):
            if s.orelse:
                self.fail(s, "while ... else")
            test = self.test(s.test)
            return "%swhile (%s) {\n%s%s}\n" % (ind, test, self.loop_body(s.body, ind), ind)
        if isinstance(s, ast.For):
            return self.for_loop(s, ind)
        if isinstance(s, ast.Break):
            return ind + "break;\n"
        if isinstance(s, ast.Continue):
            return ind + "continue;\n"
        if isinstance(s, ast.Raise):
            return ind + "throw rt.raised();\n"
        if isinstance(s, ast.Try):
            return self.try_block(s, ind)
        self.fail(s, type(s).__name__)

    def loop_body(self, stmts, ind):
        self.loop_depth += 1
        try:
            return self.block(stmts, ind + "  ")
        finally:
            self.loop_depth -= 1

    def store(self, target, value, ind):
        if isinstance(target, ast.Name):
            return "%sv_%s = %s;\n" % (ind, target.id, value)
        if isinstance(target, (ast.Tuple, ast.List)):
            if any(not isinstance(e, ast.Name) for e in target.elts):
                self.fail(target, "nested unpacking")
            t = self.temp()
            out = "%s%s = rt.unpack(%s, %d);\n" % (ind, t, value, len(target.elts))
            return out + "".join("%sv_%s = %s[%d];\n" % (ind, e.id, t, i)
                                 for i, e in enumerate(target.elts))
        self.fail(target, "assignment to %s" % type(target).__name__)

    def for_loop(self, s, ind):
        if s.orelse:
            self.fail(s, "for ... else")
        it, body = s.iter, self.loop_body(s.body, ind)
        k = self.temp()
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" \
                and it.func.id not in self.locals and not it.keywords:
            if not isinstance(s.target, ast.Name) or not 1 <= len(it.args) <= 3:
                self.fail(s, "this range() loop")
            args = [self.expr(a) for a in it.args]
            start, stop = ("0", args[0]) if len(args) == 1 else (args[0], args[1])
            step = 1
            if len(args) == 3:
                step = ast.literal_eval(it.args[2]) if isinstance(
                    it.args[2], (ast.Constant, ast.UnaryOp)) else None
                if not isinstance(step, int) or step == 0:
                    self.fail(s, "range() with a non-constant step")
            end = self.temp()
            cmp = "<" if step > 0 else ">"
            return "%sfor (%s = rt.int_arg(%s), %s = rt.int_arg(%s); %s %s %s; %s += %d) {\n" \
                   "%s  v_%s = %s;\n%s%s}\n" % (ind, k, start, end, stop, k, cmp, end, k, step,
                                                 ind, s.target.id, k, body, ind)
        prelude, seqs, names = self.iteration(s, it, ind)
        n = self.temp()
        length = ("Math.min(%s)" % ", ".join("%s.length" % q for q in seqs)) if len(seqs) > 1 \
            else "%s.length" % seqs[0]
        head = "%sfor (%s = 0, %s = %s; %s < %s; %s++) {\n" % (ind, k, n, length, k, n, k)
        binds = "".join("%s  v_%s = %s;\n" % (ind, nm, k if src is None else "%s[%s]" % (src, k))
                        for nm, src in names)
        return prelude + head + binds + body + ind + "}\n"

    def iteration(self, s, it, ind):
        """(prelude, sequence temps, [(target name, sequence temp or None for the index)])."""
        t = s.target
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) \
                and it.func.id in ("zip", "enumerate") and it.func.id not in self.locals:
            if it.keywords or not isinstance(t, ast.Tuple) or \
                    not all(isinstance(e, ast.Name) for e in t.elts):
                self.fail(s, it.func.id + "() loop")
            args = it.args
        elif isinstance(t, ast.Name):
            args = [it]
        else:
            self.fail(s, "unpacking in a for target")
        seqs = [self.temp() for _ in args]
        prelude = "".join("%s%s = rt.seq(%s);\n" % (ind, q, self.expr(a, allow_tuple=True))
                          for q, a in zip(seqs, args))
        if isinstance(t, ast.Name):
            return prelude, seqs, [(t.id, seqs[0])]
        if it.func.id == "enumerate":
            if len(seqs) != 1 or len(t.elts) != 2:
                self.fail(s, "enumerate() with a start")
            return prelude, seqs, [(t.elts[0].id, None), (t.elts[1].id, seqs[0])]
        if len(seqs) != len(t.elts):
            self.fail(s, "zip() unpacking of another length")
        return prelude, seqs, [(e.id, q) for e, q in zip(t.elts, seqs)]

    def try_block(self, s, ind):
        if s.orelse or s.finalbody:
            self.fail(s, "try ... else/finally")
        checks = []
        for h in s.handlers:
            if h.name is not None:
                self.fail(h, "except ... as name")
            types_ = h.type.elts if isinstance(h.type, ast.Tuple) else [h.type]
            if h.type is None or not all(isinstance(x, ast.Name) and x.id in _CATCHABLE
                                         for x in types_):
                self.fail(h, "except clause other than %s" % ", ".join(_CATCHABLE))
            cond = " || ".join("rt.caught(_e, %r)" % x.id for x in types_)
            checks.append("%s  if (%s) {\n%s%s  }" % (ind, cond, self.block(h.body, ind + "    "),
                                                      ind))
        handlers = " else ".join(c.lstrip() if i else c for i, c in enumerate(checks))
        return "%stry {\n%s%s} catch (_e) {\n%s else {\n%s    throw _e;\n%s  }\n%s}\n" % (
            ind, self.block(s.body, ind + "  "), ind, handlers, ind, ind, ind)


def compile_functions(entries, remember=False):
    """JS function-body source returning {name: compiled fn} for entries {name: Python fn}.

    With `remember`, the entries' call sites outside loops reuse the results of repeated
    arguments (for kernels run over a dispersity mesh; see Expressions.memo_call)."""
    program = _Program(entries.values(), remember)
    names = {k: program.function_name(fn) for k, fn in entries.items()}
    return program.source(names)


def kernel_entries(info):
    """The Python functions the compiled 2-D path calls: {"Iq"|"Iqac"|"Iqabc"|"S_Iq": fn}."""
    if info.product is not None:
        p_info, s_info = info.product[:2]
        if p_info.oriented:
            return {}
        return {"Iq": p_info.Iq, "S_Iq": s_info.Iq}
    if info.oriented == "ac":
        return {"Iqac": info.Iqac}
    if info.oriented == "abc":
        return {"Iqabc": info.Iqabc}
    return {"Iq": info.Iq}


def compile_model(info):
    """(JS source, JS source that remembers calls, None) for the model's 2-D kernels, or
    (None, None, reason) when not compilable."""
    try:
        entries = kernel_entries(info)
        if not entries:
            return None, None, "oriented form factor in a product"
        return compile_functions(entries), compile_functions(entries, True), None
    except Unsupported as exc:
        return None, None, str(exc)
