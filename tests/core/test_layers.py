"""The house in layers: every import between the project's apps runs downward, no two modules import
each other (directly or round a circle), services never import their tasks, and modules stay small.

The layers (docs/architecture.md draws them):
    ground    common, outbox, notifications, accounts
    core      preferences
    features  links, contact_requests, webhooks, privacy, audiences
    surfaces  api, support, customer_pages
    top       portal (settings, URLs, Celery app); demo and bench (dev and benchmark settings only)
Within a layer the list is an order too: an app may import one listed before it (privacy erases a
customer's links and withdraws their contact requests), never one after it.
"""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

LAYERS = {
    "ground": ["common", "outbox", "notifications", "accounts"],
    "core": ["preferences"],
    "features": ["links", "contact_requests", "webhooks", "privacy", "audiences"],
    "surfaces": ["api", "support", "customer_pages"],
    "top": ["portal", "demo", "bench"],
}
ORDER = [app for apps in LAYERS.values() for app in apps]
TOP = set(LAYERS["top"])
# Apps Django installs (their `tasks` modules are Celery's); `common` is a plain package.
INSTALLED = {path.parent.name for path in ROOT.glob("*/apps.py")}
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    modules = {}
    for app in ORDER:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


MODULES = _modules()


class _Imports(ast.NodeVisitor):
    """The project modules one file imports, at module level and inside functions."""

    def __init__(self, module: str, is_package: bool):
        self.package = module if is_package else module.rpartition(".")[0]
        self.top: set[str] = set()
        self.inner: set[tuple[int, str]] = set()
        self._depth = 0

    def _target(self, node: ast.ImportFrom) -> list[str]:
        base = node.module or ""
        if node.level:
            parts = self.package.split(".")
            parent = ".".join(parts[: len(parts) - node.level + 1])
            base = f"{parent}.{base}" if base else parent
        # `from app import module` names a module; `from app.module import name` names the module.
        return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]

    def _add(self, node, names: list[str]) -> None:
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if not name:
                continue
            if self._depth:
                self.inner.add((node.lineno, name))
            else:
                self.top.add(name)

    def visit_Import(self, node):
        self._add(node, [alias.name for alias in node.names])

    def visit_ImportFrom(self, node):
        self._add(node, self._target(node))

    def _function(self, node):
        self._depth += 1
        self.generic_visit(node)
        self._depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_If(self, node):
        # `if TYPE_CHECKING:` imports are for the type checker only: they never run.
        if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            return
        self.generic_visit(node)


def _imports() -> dict[str, _Imports]:
    found = {}
    for module, path in MODULES.items():
        visitor = _Imports(module, path.name == "__init__.py")
        visitor.visit(ast.parse(path.read_text(), filename=str(path)))
        found[module] = visitor
    return found


IMPORTS = _imports()


def _app(module: str) -> str:
    return module.split(".")[0]


def test_every_app_has_a_place_in_the_layers():
    apps = INSTALLED | {"common", "portal"}
    assert apps <= set(ORDER), f"apps with no layer: {sorted(apps - set(ORDER))}"


def test_imports_between_apps_run_downward():
    upward = []
    for module, found in IMPORTS.items():
        source = _app(module)
        for target in found.top | {name for _line, name in found.inner}:
            destination = _app(target)
            if destination == source:
                continue
            if source not in TOP and (destination in TOP or ORDER.index(destination) > ORDER.index(source)):
                upward.append(f"{module} -> {target}")
    assert not upward, "imports that run upward:\n" + "\n".join(sorted(upward))


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, components, counter = {}, {}, set(), [], [], [0]

    def connect(start: str) -> None:
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter[0]
                counter[0] += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return components


def test_no_two_modules_import_each_other():
    graph = defaultdict(set)
    for module, found in IMPORTS.items():
        graph[module] |= {target for target in found.top if target != module and not module.startswith(f"{target}.")}
    assert not _cycles(graph)


def test_services_queue_tasks_by_name():
    """A task module imports the services it runs; a service queues a task by its name, so the two never
    import each other."""
    offenders = []
    for module, found in IMPORTS.items():
        if module.endswith(".tasks") or _app(module) in TOP:
            continue
        names = found.top | {name for _line, name in found.inner}
        offenders += [f"{module} -> {name}" for name in names if name.endswith(".tasks") and _app(name) in INSTALLED]
    assert not offenders, "\n".join(offenders)


def _commented(lines: list[str], index: int) -> bool:
    """Whether the import on lines[index], or the block of imports it belongs to, carries a comment (on
    one of its lines, or just above the block)."""
    while index >= 0:
        text = lines[index].strip()
        if "#" in text:
            return True
        part_of_imports = not text or text.startswith(("from ", "import ", ")")) or text.endswith((",", "("))
        if not part_of_imports:
            return False
        index -= 1
    return False


def test_an_import_inside_a_function_says_why():
    silent = []
    for module, found in IMPORTS.items():
        lines = MODULES[module].read_text().splitlines()
        for line_number, target in sorted(found.inner):
            if not _commented(lines, line_number - 1):
                silent.append(f"{MODULES[module].relative_to(ROOT)}:{line_number} imports {target}")
    assert not silent, "imports inside functions with no comment saying why:\n" + "\n".join(silent)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_is_small_and_says_what_it_owns(module):
    path = MODULES[module]
    source = path.read_text()
    assert len(source.splitlines()) <= MAX_LINES, f"{path.relative_to(ROOT)} is over {MAX_LINES} lines"
    if source.strip():
        docstring = ast.get_docstring(ast.parse(source))
        assert docstring and docstring.strip(), f"{path.relative_to(ROOT)} does not say what it owns"
