"""Expressions of the Python → JavaScript kernel compiler (private helper of _sas_compile.py).

Every operation that can raise in Python goes through the runtime `rt`
(generators/compiled/_py_runtime.ts), which throws where Python raises; everything else maps to plain JS.
"""
import ast
import math
import types

_NUM = (int, float)
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}
_HELPER_BINOPS = {ast.Div: "div", ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.Pow: "pow"}
_CMPOPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "===",
           ast.NotEq: "!=="}
_BOOL_CALLS = {"isinstance", "isnan", "isinf", "isfinite"}
_MATH_IDS = {id(getattr(math, n)): n for n in dir(math) if callable(getattr(math, n))}
# math functions generators/compiled/_py_runtime.ts implements with CPython's semantics
JS_MATH = {"sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh",
           "acosh", "atanh", "exp", "exp2", "expm1", "log", "log10", "log2", "log1p", "sqrt",
           "cbrt", "fabs", "floor", "ceil", "trunc", "copysign", "hypot", "pow", "degrees",
           "radians", "isnan", "isinf", "isfinite", "gamma", "lgamma", "erf", "erfc"}


# math functions costly enough that an entry's call sites remember their results (memo_call)
MEMO_MATH = {"sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
             "asinh", "acosh", "atanh", "exp", "exp2", "expm1", "log", "log10", "log2", "log1p",
             "cbrt", "pow", "gamma", "lgamma", "erf", "erfc"}


class Unsupported(Exception):
    """A construct outside the compiled subset; the message names function and line."""


def js_literal(value):
    """A JS literal that parses to exactly this Python number."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if abs(value) > 2 ** 53:
            raise Unsupported("integer constant %d exceeds 2**53" % value)
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "(-Infinity)"
    return repr(value)


class Expressions:
    """Mixin of _Function: translation of expression nodes."""

    def expr(self, node, allow_tuple=False):
        method = getattr(self, "x_" + type(node).__name__, None)
        if method is None:
            self.fail(node, type(node).__name__)
        if isinstance(node, (ast.Tuple, ast.List)) and not allow_tuple:
            self.fail(node, "a tuple outside return, assignment or iteration")
        return method(node)

    def test(self, node):
        """A JS boolean with Python truthiness (NaN is true, 0 is false)."""
        if self.is_bool(node):
            return self.boolean(node)
        return "(%s != 0)" % self.expr(node)

    def is_bool(self, node):
        if isinstance(node, (ast.Compare,)) or (isinstance(node, ast.UnaryOp)
                                                and isinstance(node.op, ast.Not)):
            return True
        if isinstance(node, ast.Constant):
            return isinstance(node.value, bool)
        if isinstance(node, ast.BoolOp):
            return all(self.is_bool(v) for v in node.values)
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else \
                getattr(node.func, "id", None)
            return name in _BOOL_CALLS
        return False

    def boolean(self, node):
        if isinstance(node, ast.BoolOp):
            op = " && " if isinstance(node.op, ast.And) else " || "
            return "(%s)" % op.join(self.test(v) for v in node.values)
        return self.expr(node)

    # ---- leaves ------------------------------------------------------------------------------
    def x_Constant(self, node):
        if isinstance(node.value, (bool,) + _NUM):
            return js_literal(node.value)
        self.fail(node, "constant %r" % (node.value,))

    def x_Name(self, node):
        if node.id in self.locals:
            return "v_" + node.id
        if node.id in self.globals:
            return self.value(node, self.globals[node.id])
        self.fail(node, "the builtin %r used as a value" % node.id)

    def x_Attribute(self, node):
        base = node.value
        if isinstance(base, ast.Name) and base.id not in self.locals:
            owner = self.globals.get(base.id)
            if isinstance(owner, types.ModuleType) and hasattr(owner, node.attr):
                return self.value(node, getattr(owner, node.attr))
        self.fail(node, "attribute access")

    def value(self, node, value):
        """JS for a module-level object: number, numeric table or function."""
        if isinstance(value, _NUM):
            return js_literal(value)
        if isinstance(value, (tuple, list)):
            return self.program.table(value)
        if id(value) in _MATH_IDS:
            self.fail(node, "math.%s used as a value" % _MATH_IDS[id(value)])
        if isinstance(value, types.FunctionType):
            return self.program.function_name(value)
        self.fail(node, "the global %s" % type(value).__name__)

    def x_Tuple(self, node):
        return "[%s]" % ", ".join(self.expr(e) for e in node.elts)

    x_List = x_Tuple

    # ---- operators ---------------------------------------------------------------------------
    def x_BinOp(self, node):
        left, right = self.expr(node.left), self.expr(node.right)
        op = type(node.op)
        if op in _BINOPS:
            return "(%s %s %s)" % (left, _BINOPS[op], right)
        if op is ast.Div and isinstance(node.right, ast.Constant) and \
                isinstance(node.right.value, _NUM) and node.right.value != 0:
            return "(%s / %s)" % (left, right)  # a non-zero constant divisor never raises
        if op in _HELPER_BINOPS:
            return "rt.%s(%s, %s)" % (_HELPER_BINOPS[op], left, right)
        self.fail(node, "operator %s" % op.__name__)

    def x_UnaryOp(self, node):
        if isinstance(node.op, ast.Not):
            return "(!%s)" % self.test(node.operand)
        if isinstance(node.op, ast.USub):
            return "(-%s)" % self.expr(node.operand)
        if isinstance(node.op, ast.UAdd):
            return "(+%s)" % self.expr(node.operand)
        self.fail(node, "operator %s" % type(node.op).__name__)

    def x_BoolOp(self, node):
        if not self.is_bool(node):
            self.fail(node, "and/or on numbers (the value of the operand is returned)")
        return self.boolean(node)

    def x_Compare(self, node):
        terms = [self.expr(node.left)] + [self.expr(c) for c in node.comparators]
        for op in node.ops:
            if type(op) not in _CMPOPS:
                self.fail(node, "comparison %s" % type(op).__name__)
        if len(node.ops) == 1:
            return "(%s %s %s)" % (terms[0], _CMPOPS[type(node.ops[0])], terms[1])
        # a < b < c: evaluate each middle operand once, stop at the first false comparison
        parts, left = [], terms[0]
        for i, op in enumerate(node.ops):
            right = terms[i + 1]
            if i + 1 < len(node.ops):
                t = self.temp()
                parts.append("%s %s (%s = %s)" % (left, _CMPOPS[type(op)], t, right))
                left = t
            else:
                parts.append("%s %s %s" % (left, _CMPOPS[type(op)], right))
        return "(%s)" % " && ".join(parts)

    def x_IfExp(self, node):
        return "(%s ? %s : %s)" % (self.test(node.test), self.expr(node.body),
                                   self.expr(node.orelse))

    def x_Subscript(self, node):
        if isinstance(node.slice, ast.Slice):
            self.fail(node, "slicing")
        return "rt.index(%s, %s)" % (self.expr(node.value, allow_tuple=True),
                                     self.expr(node.slice))

    # ---- calls -------------------------------------------------------------------------------
    def x_Call(self, node):
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            self.fail(node, "keyword or starred arguments")
        func, args = node.func, node.args
        if isinstance(func, ast.Name) and func.id not in self.locals \
                and func.id not in self.globals:
            return self.builtin(node, func.id, args)
        if isinstance(func, ast.Name) and func.id in self.locals:
            self.fail(node, "a call of a local variable")
        target = self.globals[func.id] if isinstance(func, ast.Name) else self.attribute(func)
        if id(target) in _MATH_IDS:
            name = _MATH_IDS[id(target)]
            if name not in JS_MATH or (name in ("log", "hypot", "atan2") and len(args) > 2):
                self.fail(node, "math.%s (no JavaScript port with CPython's results)" % name)
            self.program.math.add(name)
            call_args = [self.expr(a) for a in args]
            if name in MEMO_MATH:
                return self.memo_call("m_" + name, call_args)
            return "m_%s(%s)" % (name, ", ".join(call_args))
        if not isinstance(target, types.FunctionType):
            self.fail(node, "a call of %s" % type(target).__name__)
        if target.__code__.co_argcount != len(args):
            self.fail(node, "%s() called with %d arguments" % (target.__name__, len(args)))
        js = self.program.function_name(target)
        return self.memo_call(js, [self.expr(a) for a in args])

    def memo_call(self, fn, args):
        """A call that reuses an earlier result when its arguments repeat bit for bit.

        The kernels run over a tensor-product dispersity mesh, so inside one pixel the same few
        arguments come back again and again (cylinder: 25 radii × 10 lengths make 250 calls but
        only 25 distinct J1 arguments and 10 distinct sine arguments). Compiled functions are
        pure, so a remembered result is exact. A one-argument site keeps a 256-entry table hashed
        on the argument; a site with more arguments remembers its last call. ±0 and NaN
        never hit, a call that throws stores nothing, a tuple result is not stored, and only
        the entry functions' call sites outside loops remember, where repeats are likely.
        """
        if self.loop_depth or not args or not self.remembers:
            return "%s(%s)" % (fn, ", ".join(args))
        temps = [self.temp() for _ in args]
        result = self.temp()
        bind = ", ".join("%s = %s" % (t, a) for t, a in zip(temps, args))
        if len(args) == 1:
            slot = self.program.memo_slot(1, hashed=True)
            x, h = temps[0], self.temp()
            # keys in <slot>k, values in <slot>v, indexed by a multiplicative hash of the argument
            return ("(%s, %s = Math.imul((%s * 1e9) | 0, -1640531535) >>> 24, "
                    "(%s === %sk[%s] && %s !== 0) ? %sv[%s] : (%s = %s(%s), "
                    "typeof %s === \"number\" && (%sk[%s] = %s, %sv[%s] = %s), %s))") % (
                bind, h, x, x, slot, h, x, slot, h, result, fn, x,
                result, slot, h, x, slot, h, result, result)
        slot = self.program.memo_slot(len(args))
        hit = " && ".join("%s === %s[%d] && %s !== 0" % (t, slot, i + 1, t)
                          for i, t in enumerate(temps))
        # a Float64Array keeps numbers unboxed; a tuple result is passed on, not remembered
        store = ", ".join(["%s[0] = %s" % (slot, result)] +
                          ["%s[%d] = %s" % (slot, i + 1, t) for i, t in enumerate(temps)])
        return "(%s, (%s) ? %s[0] : (%s = %s(%s), typeof %s === \"number\" && (%s), %s))" % (
            bind, hit, slot, result, fn, ", ".join(temps), result, store, result)

    def math_function(self, func):
        """The math module's name of a call target (sin for math.sin or an imported sin), or None."""
        if isinstance(func, ast.Name) and func.id not in self.locals:
            target = self.globals.get(func.id)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                and func.value.id not in self.locals \
                and isinstance(self.globals.get(func.value.id), types.ModuleType):
            target = getattr(self.globals[func.value.id], func.attr, None)
        else:
            return None
        return _MATH_IDS.get(id(target))

    def attribute(self, func):
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                and func.value.id not in self.locals:
            owner = self.globals.get(func.value.id)
            if isinstance(owner, types.ModuleType) and hasattr(owner, func.attr):
                return getattr(owner, func.attr)
        self.fail(func, "this call target")

    def builtin(self, node, name, args):
        n = len(args)
        if name == "abs" and n == 1:
            return "Math.abs(%s)" % self.expr(args[0])
        if name in ("min", "max") and n >= 2:
            out = self.expr(args[0])
            for a in args[1:]:
                out = "rt.%s2(%s, %s)" % (name, out, self.expr(a))
            return out
        if name == "float" and n == 1:
            a = args[0]
            if isinstance(a, ast.Constant) and isinstance(a.value, str):
                try:
                    return js_literal(float(a.value))
                except ValueError:
                    self.fail(node, "float(%r)" % a.value)
            return "rt.float(%s)" % self.expr(a)
        if name in ("int", "round") and n == 1:
            return "rt.%s(%s)" % (name, self.expr(args[0]))
        if name == "len" and n == 1:
            return "rt.seq(%s).length" % self.expr(args[0], allow_tuple=True)
        if name == "isinstance" and n == 2 and isinstance(args[1], ast.Name) \
                and args[1].id == "complex":
            # the compiled pow throws where Python would make a complex number
            return "(%s, false)" % self.expr(args[0])
        self.fail(node, "the builtin call %s() with %d arguments" % (name, n))
