"""The builder page's form encoding of a rule tree, without any JavaScript of our own.

The form posts the tree flat: ``top_op``; ``node`` once per node in order, a path like ``2`` or
``2.1`` (0-based); ``kind-<path>=group`` and ``g-<path>-op`` for groups; ``r-<path>-field``,
``r-<path>-op`` and ``r-<path>-value`` for rules. Buttons post ``action``: ``add:`` (a rule at the
top), ``add:<group path>``, ``addgroup:`` and ``remove:<path>``. HTMX sends the whole form on every
change and swaps in the re-rendered builder with its live count.
"""

from tenure.segments.fields import FIELDS, NO_VALUE_OPS, OP_LABELS
from tenure.segments.rules import MAX_DEPTH

DEFAULT_FIELD = "lifecycle_stage"


def _first_op(key: str) -> str:
    return FIELDS[key].ops[0]


def new_rule() -> dict:
    return {"field": DEFAULT_FIELD, "op": "eq", "value": "lead"}


def tree_from_post(data) -> dict:
    """The rule tree the form describes (fixing an operator that no longer fits its field)."""
    top = {"op": "or" if data.get("top_op") == "or" else "and", "rules": []}
    groups: dict[str, dict] = {"": top}
    for path in data.getlist("node"):
        parent_path = path.rpartition(".")[0]
        parent = groups.get(parent_path)
        if parent is None or len(path) > 20:
            continue
        if data.get(f"kind-{path}") == "group":
            node = {"op": "or" if data.get(f"g-{path}-op") == "or" else "and", "rules": []}
            groups[path] = node
        else:
            key = data.get(f"r-{path}-field", "")
            if key not in FIELDS:
                key = DEFAULT_FIELD
            op = data.get(f"r-{path}-op", "")
            if op not in FIELDS[key].ops:
                op = _first_op(key)
            node = {
                "field": key,
                "op": op,
                "value": "" if op in NO_VALUE_OPS else data.get(f"r-{path}-value", ""),
            }
        parent["rules"].append(node)
    return top


def _node_at(tree: dict, path: str) -> dict | None:
    node = tree
    if path == "":
        return node
    for part in path.split("."):
        try:
            node = node["rules"][int(part)]
        except (KeyError, IndexError, ValueError):
            return None
    return node


def apply_action(tree: dict, action: str) -> dict:
    verb, _sep, path = (action or "").partition(":")
    if verb == "add":
        group = _node_at(tree, path)
        if group is not None and "rules" in group:
            group["rules"].append(new_rule())
    elif verb == "addgroup":
        group = _node_at(tree, path)
        if group is not None and "rules" in group and path.count(".") + (1 if path else 0) < MAX_DEPTH - 1:
            group["rules"].append({"op": "or", "rules": [new_rule()]})
    elif verb == "remove" and path:
        parent_path, _sep, index = path.rpartition(".")
        parent = _node_at(tree, parent_path)
        if parent is not None and "rules" in parent and index.isdigit() and int(index) < len(parent["rules"]):
            parent["rules"].pop(int(index))
    return tree


def field_groups() -> list[tuple[object, list[tuple[str, object]]]]:
    groups: dict = {}
    for f in FIELDS.values():
        groups.setdefault(str(f.group), (f.group, []))[1].append((f.key, f.label))
    return list(groups.values())


def view_tree(tree: dict, path: str = "", depth: int = 0) -> dict:
    """The tree decorated for the template: paths, operator choices and value widgets."""
    children = []
    for i, node in enumerate(tree.get("rules", [])):
        child_path = f"{path}.{i}" if path else str(i)
        if "rules" in node:
            children.append(view_tree(node, child_path, depth + 1))
            continue
        field = FIELDS.get(node.get("field")) or FIELDS[DEFAULT_FIELD]
        op = node.get("op")
        widget = "none" if op in NO_VALUE_OPS else "text"
        if op in ("within_days", "older_than_days"):
            widget = "number"
        elif widget != "none" and field.type in ("number", "money"):
            widget = "number"
        elif widget != "none" and field.type in ("date", "datetime"):
            widget = "date"
        elif widget != "none" and field.type in ("choice", "channel") and op not in ("in", "not_in"):
            widget = "select"
        children.append(
            {
                "is_group": False,
                "path": child_path,
                "field": field.key,
                "op": op,
                "value": node.get("value", ""),
                "ops": [(o, OP_LABELS[o]) for o in field.ops],
                "choices": field.choice_list() if widget == "select" else [],
                "widget": widget,
                "hint": field.type,
            }
        )
    return {
        "is_group": True,
        "path": path,
        "op": tree.get("op", "and"),
        "depth": depth,
        "children": children,
        "can_nest": depth < MAX_DEPTH - 1,
    }
