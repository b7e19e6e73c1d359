# SPDX-License-Identifier: GPL-2.0
"""Cut features out of one C source file, for a patch series.

A feature is named by a regular expression over identifiers. Removing it
removes every top-level definition whose name matches, every statement
inside the remaining functions that uses a matching or removed identifier,
and then what that leaves dead: static definitions nobody uses any more,
labels nobody jumps to (with the code only they reached), local variables
nobody reads, ifs with an empty body. The result must still compile with
W=1; the proof builds every commit of the series to check that.
"""

import re

IDENT = re.compile(r"\b[A-Za-z_]\w*\b")
DECLARATORS = {
    "DECLARE_WAIT_QUEUE_HEAD": "{0}", "DEFINE_SPINLOCK": "{0}",
    "DEFINE_RAW_SPINLOCK": "{0}", "DEFINE_MUTEX": "{0}",
    "DECLARE_WORK": "{0}", "DECLARE_DELAYED_WORK": "{0}",
    "DEFINE_STATIC_KEY_FALSE": "{0}", "DEFINE_STATIC_KEY_TRUE": "{0}",
    "DEFINE_SEQLOCK": "{0}", "DEFINE_IDA": "{0}", "DEFINE_XARRAY": "{0}",
    "DEVICE_ATTR_RO": "dev_attr_{0}", "DEVICE_ATTR_RW": "dev_attr_{0}",
    "DEVICE_ATTR_WO": "dev_attr_{0}", "DEVICE_ATTR": "dev_attr_{0}",
    "ATTRIBUTE_GROUPS": "{0}_groups",
}
ATTRS = {"__read_mostly", "__ro_after_init", "__initdata", "__maybe_unused",
         "__aligned", "__packed", "__iomem", "__rcu", "__user"}
KEYWORDS = {"static", "const", "struct", "union", "enum", "unsigned", "signed",
            "int", "long", "short", "char", "void", "bool", "return", "if",
            "else", "for", "while", "do", "switch", "case", "default",
            "goto", "break", "continue", "sizeof", "inline", "volatile",
            "extern", "u8", "u16", "u32", "u64", "s32", "s64", "size_t",
            "ssize_t", "loff_t", "__poll_t", "true", "false", "NULL"}


def strip_code(text):
    """text with comments and literals blanked, newlines kept."""
    out = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text[i] in "\"'":
            q = text[i]
            j = i + 1
            while j < n and text[j] != q and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(q + " " * (j - i - 2) + q if j - i >= 2 else text[i:j])
            i = j
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def idents(code):
    return set(IDENT.findall(code)) - KEYWORDS


def depth_delta(code):
    return (code.count("{") + code.count("(") + code.count("[")
            - code.count("}") - code.count(")") - code.count("]"))


class Item:
    def __init__(self, lines, codes, kind):
        self.lines = lines
        self.codes = codes
        self.kind = kind
        self.alive = True
        self.code = "\n".join(codes)
        self.names = set()
        self.static = False
        self.func = False
        if kind == "pp":
            m = re.match(r"\s*#\s*define\s+(\w+)", self.code)
            if m:
                self.names.add(m.group(1))
        elif kind == "decl":
            self._declared()
        self.refs = self._refs()

    def _refs(self):
        refs = idents(self.code) - self.names
        # What some declarator macros use without naming it.
        for m in re.finditer(r"\b(DEVICE_ATTR_R[OW]|DEVICE_ATTR_WO|"
                             r"ATTRIBUTE_GROUPS)\s*\(\s*(\w+)", self.code):
            if m.group(1) == "ATTRIBUTE_GROUPS":
                refs.add(m.group(2) + "_attrs")
            if m.group(1) in ("DEVICE_ATTR_RO", "DEVICE_ATTR_RW"):
                refs.add(m.group(2) + "_show")
            if m.group(1) in ("DEVICE_ATTR_WO", "DEVICE_ATTR_RW"):
                refs.add(m.group(2) + "_store")
        return refs

    def _declared(self):
        c = " ".join(self.code.split())
        self.static = c.startswith("static ")
        m = re.match(r"(?:static\s+)?([A-Z_][A-Z0-9_]*)\s*\(\s*(\w+)", c)
        if m and m.group(1) in DECLARATORS:
            self.names.add(DECLARATORS[m.group(1)].format(m.group(2)))
            return
        if m and not c.startswith("static "):
            return		# module_param(), EXPORT_SYMBOL(), ...: users only
        brace = c.find("{")
        head = c if brace < 0 else c[:brace]
        if brace >= 0 and "=" not in head and head.rstrip().endswith(")"):
            self.func = True
            self.names.add(IDENT.findall(head[:head.find("(")])[-1])
            return
        m = re.match(r"(struct|union|enum)\s+(\w+)\s*\{", c)
        if m:
            self.names.add(m.group(2))
            return
        decl = head.split("=")[0] if "=" in head else head.rstrip(" ;")
        decl = re.sub(r"\[[^]]*\]", "", decl)
        decl = re.sub(r"\([^)]*\)", "", decl)
        for part in decl.split(","):
            ids = [w for w in IDENT.findall(part) if w not in ATTRS]
            if ids:
                self.names.add(ids[-1])

    def text(self):
        return "".join(self.lines)


def parse(text):
    lines = text.splitlines(keepends=True)
    codes = strip_code(text).splitlines()
    codes += [""] * (len(lines) - len(codes))
    items, i, n = [], 0, len(lines)
    while i < n:
        if not lines[i].strip():
            items.append(Item(lines[i:i + 1], codes[i:i + 1], "blank"))
            i += 1
            continue
        s = i
        while i < n and lines[i].strip() and not codes[i].strip():
            i += 1
        if i >= n or not lines[i].strip():
            items.append(Item(lines[s:i], codes[s:i], "comment"))
            continue
        if codes[i].lstrip().startswith("#"):
            while lines[i].rstrip().endswith("\\") and i + 1 < n:
                i += 1
            i += 1
            items.append(Item(lines[s:i], codes[s:i], "pp"))
            continue
        depth = 0
        while i < n:
            depth += depth_delta(codes[i])
            i += 1
            end = codes[i - 1].rstrip()
            if depth == 0 and (end.endswith(";") or end.endswith("}")):
                break
        items.append(Item(lines[s:i], codes[s:i], "decl"))
    return items


# --- statements inside one function body ----------------------------------

class Stmt:
    def __init__(self, kind, a, b):
        self.kind, self.a, self.b = kind, a, b
        self.blocks = []	# (a, b) line ranges of inner blocks
        self.head = ""


def parse_block(codes, a, b):
    """Statements of lines [a, b) of one block."""
    out = []
    i = a
    while i < b:
        c = codes[i].strip()
        if not c:
            out.append(Stmt("blank" if not LINES[i].strip() else "comment",
                            i, i + 1))
            i += 1
            continue
        if re.match(r"(case\b.*|default\s*):$", c):
            out.append(Stmt("case", i, i + 1))
            out[-1].head = c
            i += 1
            continue
        if re.match(r"\w+\s*:$", c):
            out.append(Stmt("label", i, i + 1))
            out[-1].head = c
            i += 1
            continue
        if re.match(r"(if|for|while|switch)\b|do\b|else\b", c):
            st, i = parse_compound(codes, i, b)
            out.append(st)
            continue
        s = i
        depth = 0
        while i < b:
            depth += depth_delta(codes[i])
            i += 1
            if depth <= 0 and codes[i - 1].rstrip().endswith(";"):
                break
        st = Stmt("simple", s, i)
        st.head = "\n".join(codes[s:i])
        out.append(st)
    return out


def parse_compound(codes, i, b):
    s = i
    st = Stmt("compound", s, s)
    while True:
        depth = 0
        h = i
        while i < b:		# the header, up to balanced parentheses
            depth += codes[i].count("(") - codes[i].count(")")
            i += 1
            if depth <= 0:
                break
        st.head += "\n".join(codes[h:i]) + "\n"
        last = codes[i - 1].rstrip()
        if last.endswith("{"):
            depth = 1
            j = i
            while j < b and depth > 0:
                depth += codes[j].count("{") - codes[j].count("}")
                if depth > 0:
                    j += 1
            st.blocks.append((i, j))
            closing = codes[j].strip()
            i = j + 1
            if re.match(r"}\s*else\b", closing):
                st.head += closing + "\n"
                if closing.endswith("{"):
                    # "} else {" or "} else if (...) {" on one line
                    depth = 1
                    k = i
                    while k < b and depth > 0:
                        depth += codes[k].count("{") - codes[k].count("}")
                        if depth > 0:
                            k += 1
                    st.blocks.append((i, k))
                    i = k + 1
                    if re.match(r"}\s*else\b", codes[k].strip()):
                        i = k
                        continue
                st.b = i
                return st, i
        else:
            inner = parse_block_one(codes, i, b)
            st.blocks.append((i, inner))
            i = inner
        if i < b and re.match(r"else\b", codes[i].strip()):
            continue
        st.b = i
        return st, i


def parse_block_one(codes, i, b):
    """End of the single statement starting at line i."""
    sts = parse_block(codes, i, b)
    for st in sts:
        if st.kind not in ("blank", "comment"):
            return st.b
    return b


LINES = []


def prune_function(item, hit):
    """Remove statements of a function that hit; return new lines or None
    if the function itself has to go."""
    global LINES
    LINES = item.lines
    codes = item.codes
    n = len(codes)
    depth = 0
    body = None
    for k in range(n):
        if "{" in codes[k] and depth == 0 and body is None:
            body = k + 1
        depth += depth_delta(codes[k]) if body is not None else \
            codes[k].count("(") - codes[k].count(")")
    if body is None:
        return item.lines
    end = n - 1
    dead = set()
    had_return = bool(re.search(r"\breturn\b\s*[^;\s]", item.code))

    def walk(a, b):
        sts = parse_block(codes, a, b)
        keep = []
        for idx, st in enumerate(sts):
            if st.kind in ("blank", "comment", "label"):
                keep.append(st)
                continue
            head_ids = idents(st.head if st.kind != "simple"
                              else "\n".join(codes[st.a:st.b]))
            if st.kind == "compound":
                head_ids = idents(st.head)
            if hit(head_ids):
                kill(st, sts, idx)
                continue
            if st.kind == "compound":
                empty = True
                for (x, y) in st.blocks:
                    if walk(x, y):
                        empty = False
                if empty and st.head.lstrip().startswith("if") and \
                        "else" not in st.head:
                    kill(st, sts, idx)
                    continue
            keep.append(st)
        real = [s for s in keep if s.kind not in ("blank", "comment")
                and not all(k in dead for k in range(s.a, s.b))]
        return bool(real)

    def kill(st, sts, idx):
        for k in range(st.a, st.b):
            dead.add(k)
        j = idx - 1		# the comment lines right above it
        while j >= 0 and sts[j].kind == "comment":
            dead.add(sts[j].a)
            j -= 1

    walk(body, end)
    lines = [item.lines[k] for k in range(n) if k not in dead]
    cods = [codes[k] for k in range(n) if k not in dead]
    lines, cods = drop_unused_labels(lines, cods)
    lines, cods = drop_unused_locals(lines, cods)
    new_code = "\n".join(cods)
    if had_return and not re.search(r"\breturn\b\s*[^;\s]", new_code):
        return None
    return tidy(lines)


def drop_unused_labels(lines, codes):
    while True:
        gotos = set(re.findall(r"\bgoto\s+(\w+)", "\n".join(codes)))
        for k, c in enumerate(codes):
            m = re.match(r"\s*(\w+)\s*:\s*$", c)
            if m and m.group(1) not in ("default",) and \
                    m.group(1) not in gotos:
                break
        else:
            return lines, codes
        prev = k - 1
        while prev >= 0 and not codes[prev].strip():
            prev -= 1
        unreachable = prev >= 0 and re.match(r"\s*(return\b|goto\b)",
                                              codes[prev]) and \
            codes[prev].rstrip().endswith(";")
        e = k + 1
        if unreachable:
            while e < len(codes) and not re.match(r"\s*\w+\s*:\s*$",
                                                  codes[e]) and \
                    codes[e].strip() != "}":
                e += 1
        del lines[k:e]
        del codes[k:e]


def drop_unused_locals(lines, codes):
    decl = re.compile(r"^(\s+)((?:const\s+)?(?:struct\s+|union\s+|enum\s+|"
                      r"unsigned\s+)?\w+"
                      r"[\s*]+)([\w\s,*]+);\s*$")
    changed = True
    while changed:
        changed = False
        for k, c in enumerate(codes):
            m = decl.match(c)
            if not m or m.group(2).strip() in ("return", "goto", "break"):
                continue
            names = [x.strip() for x in m.group(3).split(",")]
            if not all(re.fullmatch(r"\**\s*\w+", x) for x in names):
                continue	# not a plain "type a, *b;" declaration
            rest = "\n".join(codes[:k] + codes[k + 1:])
            used = [x for x in names
                    if re.search(r"\b%s\b" % re.escape(x.lstrip("*")), rest)]
            if len(used) == len(names):
                continue
            changed = True
            if used:
                new = m.group(1) + m.group(2) + ", ".join(used) + ";\n"
                lines[k] = new
                codes[k] = new.rstrip("\n")
            else:
                del lines[k]
                del codes[k]
            break
    return lines, codes


def tidy(lines):
    out = []
    for ln in lines:
        if not ln.strip() and out and (not out[-1].strip() or
                                       out[-1].rstrip().endswith("{")):
            continue
        if ln.strip() == "}" and out and not out[-1].strip():
            out.pop()
        out.append(ln)
    return out


def cut(text, pattern, comments=None, includes=None):
    """Remove the feature named by regex pattern from C source text.
    Stand-alone comments that match regex comments (or name a matching
    identifier) go with it."""
    rx = re.compile(pattern)
    crx = re.compile(comments) if comments else None
    items = parse(text)
    removed = set()
    for it in items:
        if includes and it.kind == "pp" and \
                re.match(r"\s*#\s*include\s*<(%s)>" % includes, it.code):
            it.alive = False
        if it.kind == "comment":
            words = set(IDENT.findall(it.text()))
            if any(rx.search(w) for w in words) or \
                    (crx and crx.search(it.text())):
                it.alive = False

    def hit(ids):
        return any(rx.search(x) for x in ids) or bool(ids & removed)

    changed = True
    while changed:
        changed = False
        for it in items:
            if not it.alive or it.kind in ("blank", "comment"):
                continue
            if it.kind == "pp":
                if it.names and hit(it.names | it.refs):
                    it.alive = False
                    removed |= it.names
                    changed = True
                continue
            if it.names and hit(it.names):
                it.alive, changed = False, True
                removed |= it.names
                continue
            if it.func:
                new = prune_function(it, hit)
                if new is None:
                    it.alive, changed = False, True
                    removed |= it.names
                elif new != it.lines:
                    replace(it, new)
                    changed = True
                continue
            if hit(it.refs):
                if "{" in it.code and "=" in it.code and it.names:
                    keep = [ln for ln, c in zip(it.lines, it.codes)
                            if not hit(idents(c)) or "{" in c or "}" in c]
                    replace(it, keep)
                else:
                    it.alive = False
                    removed |= it.names
                changed = True
        # dead static definitions
        for it in items:
            if not it.alive or not it.names or not (it.static or it.func):
                continue
            if it.func and not it.static:
                continue
            used = any(o is not it and o.alive and (it.names & o.refs)
                       for o in items)
            if not used:
                it.alive, changed = False, True
                removed |= it.names
    drop_forward_declarations(items)
    drop_empty_conditionals(items)
    out = []
    for k, it in enumerate(items):
        if not it.alive:
            continue
        if it.kind == "blank" and out and not out[-1].strip():
            continue
        out.extend(it.lines)
    return "".join(out)


def drop_forward_declarations(items):
    """A declaration that a later definition repeats, with no user between."""
    live = [it for it in items if it.alive and it.kind == "decl"]
    for k, it in enumerate(live):
        if it.func or not it.names or "=" in it.code or "{" in it.code:
            continue
        for j in range(k + 1, len(live)):
            o = live[j]
            if it.names & o.refs:
                break
            if it.names & o.names:
                it.alive = False
                break


def drop_empty_conditionals(items):
    """#if/#else/#endif groups left with nothing inside."""
    live = [it for it in items if it.alive and it.kind != "blank"]
    stack = []
    for it in live:
        d = it.code.split()
        word = d[0].lstrip("#") if d else ""
        if it.kind == "pp" and word in ("if", "ifdef", "ifndef"):
            stack.append([it])
        elif it.kind == "pp" and word in ("else", "elif") and stack:
            stack[-1].append(it)
        elif it.kind == "pp" and word == "endif" and stack:
            group = stack.pop() + [it]
            if all(g.kind == "pp" for g in group):
                for g in group:
                    g.alive = False
                if stack:
                    stack[-1].append(it)
        elif stack:
            stack[-1].append(it)
    # comments left directly above nothing
    for k, it in enumerate(items):
        if it.alive and it.kind == "comment":
            nxt = next((o for o in items[k + 1:] if o.alive), None)
            if nxt is not None and nxt.kind == "comment":
                continue


def replace(it, lines):
    text = "".join(lines)
    codes = strip_code(text).splitlines()
    new = Item(lines, codes, it.kind)
    it.lines, it.codes, it.code = new.lines, new.codes, new.code
    it.refs = it._refs()


def unexport(text):
    """Drop EXPORT_SYMBOL*() lines and make the functions static."""
    names = re.findall(r"^EXPORT_SYMBOL(?:_GPL)?\((\w+)\);\n", text, re.M)
    text = re.sub(r"^EXPORT_SYMBOL(?:_GPL)?\(\w+\);\n", "", text, flags=re.M)
    for name in names:
        text = re.sub(r"^(?!static )([\w ]+[\s*]%s\()" % name, r"static \1",
                      text, count=1, flags=re.M)
    return text, names
