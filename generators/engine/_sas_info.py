"""Model loading and validation for the pure-Python sasmodels-compatible engine.

Private helper of generators/engine/sas_engine.py: turns the source of a SasView plugin model
(generators/sas_models/<name>.py) into a ModelInfo, and combines a form factor P with a structure
factor S into the P@S product (sasmodels product.py conventions).
"""
import ast
import linecache
import math
import sys
import types

KINDS = ("", "sld", "volume", "orientation")
ORIENTATION_NAMES = ("theta", "phi", "psi")
RESERVED = ("scale", "background")
FORBIDDEN_MODULES = ("numpy", "scipy")
STRUCTURE_MODE = "structure_factor_mode"
RADIUS_MODE = "radius_effective_mode"
RADIUS_ID = "radius_effective"
VOLFRAC_ID = "volfraction"


class ModelError(Exception):
    """A bad model file, model name or parameter value; the message names the culprit."""


class Parameter:
    """One row of a model's parameter table."""

    __slots__ = ("name", "units", "default", "limits", "kind", "description")

    def __init__(self, name, units, default, limits, kind, description):
        self.name = name
        self.units = units
        self.default = float(default)
        self.limits = (float(limits[0]), float(limits[1]))
        self.kind = kind
        self.description = description

    @property
    def polydisperse(self):
        return self.kind in ("volume", "orientation")

    def as_row(self):
        """The SasView table row [name, units, default, [lo, hi], kind, description]."""
        return [self.name, self.units, self.default, list(self.limits), self.kind, self.description]

    def __iter__(self):
        return iter(self.as_row())

    def __getitem__(self, index):
        return self.as_row()[index]

    def __len__(self):
        return 6

    def __repr__(self):
        return "Parameter(%r)" % (self.as_row(),)


class ModelInfo:
    """A loaded model: its parameter table, kernel functions and precomputed index lists."""

    def __init__(self, name, module, parameters, title="", product=None):
        self.name = name
        self.title = title
        self.module = module
        self.parameters = parameters
        self.product = product  # None, or (p_info, s_info, s_names_in_table, volfrac_in_p)
        self.by_name = {p.name: p for p in parameters}
        self.orient_names = [p.name for p in parameters if p.kind == "orientation"]
        self.call_names = [p.name for p in parameters if p.kind != "orientation"]
        self.volume_names = [p.name for p in parameters if p.kind == "volume"]
        self.pd_names = [p.name for p in parameters if p.polydisperse]
        call_index = {n: i for i, n in enumerate(self.call_names)}
        self.volume_index = [call_index[n] for n in self.volume_names]
        self.oriented = ""
        if "psi" in self.orient_names:
            self.oriented = "abc"
        elif self.orient_names:
            self.oriented = "ac"
        get = (lambda attr: getattr(module, attr, None)) if module is not None else (lambda a: None)
        self.is_structure_factor = bool(get("structure_factor"))
        self.Iq = get("Iq")
        self.Iqac = get("Iqac")
        self.Iqabc = get("Iqabc")
        self.Fq = get("Fq")
        self.form_volume = get("form_volume")
        self.shell_volume = get("shell_volume")
        self.radius_effective = get("radius_effective")
        self.random = get("random")

    def __repr__(self):
        return "ModelInfo(%r)" % self.name


def _check_imports(tree, filename):
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            if name.split(".")[0] in FORBIDDEN_MODULES:
                raise ModelError(
                    "%s:%d: imports %s, but numpy/scipy are not available in Pyodide here; "
                    "write the model with the standard math module (from math import inf, sin, ...)"
                    % (filename, node.lineno, name))


def _parse_row(row, index, filename):
    label = "%s: parameters[%d]" % (filename, index)
    if not isinstance(row, (list, tuple)) or len(row) != 6:
        raise ModelError("%s: expected [name, units, default, [lo, hi], kind, description], got %r"
                         % (label, row))
    name, units, default, limits, kind, description = row
    if not isinstance(name, str) or not name.isidentifier():
        raise ModelError("%s: name must be an identifier string, got %r" % (label, name))
    label = "%s (%s)" % (label, name)
    if name in RESERVED or name.endswith(("_pd", "_pd_n", "_pd_nsigma", "_pd_type")):
        raise ModelError("%s: the name %r is reserved" % (label, name))
    if not isinstance(units, str) or not isinstance(description, str):
        raise ModelError("%s: units and description must be strings" % label)
    if isinstance(default, bool) or not isinstance(default, (int, float)) \
            or not math.isfinite(default):
        raise ModelError("%s: default must be a finite number, got %r" % (label, default))
    if (not isinstance(limits, (list, tuple)) or len(limits) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in limits)
            or not limits[0] <= limits[1]):
        raise ModelError("%s: limits must be [lo, hi] numbers with lo <= hi, got %r"
                         % (label, limits))
    if kind not in KINDS:
        raise ModelError("%s: kind must be one of %r, got %r" % (label, KINDS, kind))
    if kind == "orientation" and name not in ORIENTATION_NAMES:
        raise ModelError("%s: orientation parameters must be named theta, phi or psi" % label)
    return Parameter(name, units, default, limits, kind, description)


def _execute(source, filename):
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as exc:
        raise ModelError("%s:%s: syntax error: %s" % (filename, exc.lineno, exc.msg)) from None
    _check_imports(tree, filename)
    module = types.ModuleType("sasquash_model_" + filename.replace("/", "_").replace(".", "_"))
    module.__file__ = filename
    # lets inspect.getsource (the kernel compiler, _sas_compile.py) read the plugin's functions
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        exec(compile(tree, filename, "exec"), module.__dict__)
    except Exception as exc:
        tb = exc.__traceback__
        line = "?"
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == filename:
                line = tb.tb_lineno
            tb = tb.tb_next
        raise ModelError("%s:%s: error while loading: %s: %s"
                         % (filename, line, type(exc).__name__, exc)) from None
    return module


def load_model_source(source, filename):
    """Validate and load one plugin model from its source text."""
    module = _execute(source, filename)
    for attr in ("name", "parameters", "Iq"):
        if not hasattr(module, attr):
            raise ModelError("%s: missing module-level %r" % (filename, attr))
    if not isinstance(module.name, str) or not module.name:
        raise ModelError("%s: 'name' must be a non-empty string" % filename)
    if not isinstance(module.parameters, (list, tuple)):
        raise ModelError("%s: 'parameters' must be a list of rows" % filename)
    parameters = [_parse_row(row, i, filename) for i, row in enumerate(module.parameters)]
    seen = set()
    for p in parameters:
        if p.name in seen:
            raise ModelError("%s: parameter %r is listed twice" % (filename, p.name))
        seen.add(p.name)
    info = ModelInfo(module.name, module, parameters, getattr(module, "title", ""))
    if not callable(info.Iq):
        raise ModelError("%s: 'Iq' must be a function Iq(q, ...)" % filename)
    if info.oriented == "abc" and not callable(info.Iqabc):
        raise ModelError("%s: has theta, phi and psi, so it needs Iqabc(qa, qb, qc, ...)"
                         % filename)
    if info.oriented == "ac" and not callable(info.Iqac):
        raise ModelError("%s: has theta and phi, so it needs Iqac(qab, qc, ...)" % filename)
    if info.oriented == "ac" and sorted(info.orient_names) != ["phi", "theta"]:
        raise ModelError("%s: an axisymmetric model needs both theta and phi" % filename)
    if info.is_structure_factor and [p.name for p in parameters[:2]] != [RADIUS_ID, VOLFRAC_ID]:
        raise ModelError("%s: a structure factor needs %s and %s as its first parameters"
                         % (filename, RADIUS_ID, VOLFRAC_ID))
    _smoke_test(info, filename)
    return info


def _smoke_test(info, filename):
    """Call each kernel once at the defaults so signature mistakes surface at load time."""
    by_name = info.by_name
    args = [by_name[n].default for n in info.call_names]
    vol = [by_name[n].default for n in info.volume_names]
    calls = [("Iq(q, %s)" % ", ".join(info.call_names), info.Iq, [0.05] + args)]
    if info.oriented == "ac":
        calls.append(("Iqac(qab, qc, ...)", info.Iqac, [0.03, 0.04] + args))
    elif info.oriented == "abc":
        calls.append(("Iqabc(qa, qb, qc, ...)", info.Iqabc, [0.03, 0.02, 0.03] + args))
    if callable(info.form_volume):
        calls.append(("form_volume(%s)" % ", ".join(info.volume_names), info.form_volume, vol))
    for label, fn, fn_args in calls:
        try:
            value = fn(*fn_args)
        except Exception as exc:
            raise ModelError("%s: %s failed at the default parameters: %s: %s"
                             % (filename, label, type(exc).__name__, exc)) from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ModelError("%s: %s must return a float (scalar in, scalar out), got %s"
                             % (filename, label, type(value).__name__))


# sasmodels product.py: P parameters, then S's (renamed *_S on clash, volfraction shared),
# then structure_factor_mode and radius_effective_mode.
def make_product_info(p_info, s_info):
    """Combine form factor P and structure factor S into the P@S product model."""
    name = p_info.name + "@" + s_info.name
    if p_info.is_structure_factor or not s_info.is_structure_factor:
        raise ModelError("%s: P must be a form factor and S a structure factor" % name)
    if p_info.oriented:
        raise ModelError("%s: oriented form factors are not supported in products" % name)
    if RADIUS_ID in p_info.by_name:
        raise ModelError("%s: P must not have a %s parameter" % (name, RADIUS_ID))
    volfrac_in_p = VOLFRAC_ID in p_info.by_name
    params = list(p_info.parameters)
    s_names = []
    for p in s_info.parameters:
        if p.name == VOLFRAC_ID and volfrac_in_p:
            s_names.append(VOLFRAC_ID)
            continue
        new = p if p.name not in p_info.by_name else Parameter(
            p.name + "_S", p.units, p.default, p.limits, p.kind, p.description)
        new = Parameter(new.name, new.units, new.default, new.limits,
                        "" if new.kind == "volume" else new.kind, new.description)
        params.append(new)
        s_names.append(new.name)
    params.append(Parameter(STRUCTURE_MODE, "", 0, [0, 1], "",
                            "Structure factor calculation: 0 P*S, 1 P*(1+beta*(S-1))"))
    er_default = 1 if callable(p_info.radius_effective) else 0
    params.append(Parameter(RADIUS_MODE, "", er_default, [0, 1], "",
                            "Effective radius calculation: 0 unconstrained, 1 from P"))
    info = ModelInfo(name, None, params, "Product of %s and %s" % (p_info.name, s_info.name),
                     product=(p_info, s_info, s_names, volfrac_in_p))
    info.Iq = p_info.Iq
    info.form_volume = p_info.form_volume
    return info


def ensure_models_path(models_dir):
    """Put generators/sas_models on sys.path so models can import sas_lib."""
    if models_dir not in sys.path:
        sys.path.insert(0, models_dir)
