#!/usr/bin/env python3
"""Renders a terminal capture to SVG: the README's picture of the console.

Usage: tmux capture-pane -e -p -t PANE > capture.ans
       python3 assets/screenshot.py capture.ans COLS ROWS > assets/console.svg

The capture is real terminal output (SGR colour and attribute sequences as tmux keeps
them); this script only draws it: one <text> per run of cells with the same style.
"""
import html
import re
import sys

BASE16 = ["#1c1c1c", "#d75f5f", "#87af5f", "#d7af5f", "#5f87af", "#af87af", "#5fafaf", "#c6c6c6",
          "#6c6c6c", "#ff8787", "#afd787", "#ffd787", "#87afd7", "#d7afd7", "#87d7d7", "#ffffff"]
FG, BG = "#d0d0d0", "#121212"


def xterm256(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (v, v, v)


def parse(text):
    """Yields rows of (char, fg, bg, bold, underline)."""
    state = dict(fg=None, bg=None, bold=False, rev=False, ul=False, dim=False)
    for line in text.split("\n"):
        row = []
        for token in re.split(r"(\x1b\[[0-9;]*m)", line):
            if token.startswith("\x1b["):
                codes = [int(c) if c else 0 for c in token[2:-1].split(";")]
                i = 0
                while i < len(codes):
                    c = codes[i]
                    if c == 0:
                        state.update(fg=None, bg=None, bold=False, rev=False, ul=False, dim=False)
                    elif c == 1:
                        state["bold"] = True
                    elif c == 2:
                        state["dim"] = True
                    elif c == 4:
                        state["ul"] = True
                    elif c == 7:
                        state["rev"] = True
                    elif c in (22,):
                        state["bold"] = state["dim"] = False
                    elif c == 24:
                        state["ul"] = False
                    elif c == 27:
                        state["rev"] = False
                    elif 30 <= c <= 37 or 90 <= c <= 97:
                        state["fg"] = BASE16[c - 30 if c < 90 else c - 82]
                    elif 40 <= c <= 47 or 100 <= c <= 107:
                        state["bg"] = BASE16[c - 40 if c < 100 else c - 92]
                    elif c == 39:
                        state["fg"] = None
                    elif c == 49:
                        state["bg"] = None
                    elif c in (38, 48) and i + 1 < len(codes):
                        key = "fg" if c == 38 else "bg"
                        if codes[i + 1] == 5 and i + 2 < len(codes):
                            state[key] = xterm256(codes[i + 2])
                            i += 2
                        elif codes[i + 1] == 2 and i + 4 < len(codes):
                            state[key] = "#%02x%02x%02x" % tuple(codes[i + 2:i + 5])
                            i += 4
                    i += 1
                continue
            for ch in token:
                fg, bg = state["fg"] or FG, state["bg"] or BG
                if state["rev"]:
                    fg, bg = bg, fg
                if state["dim"]:
                    fg = "#808080"
                row.append((ch, fg, bg, state["bold"], state["ul"]))
        yield row


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    cols, rows = int(sys.argv[2]), int(sys.argv[3])
    cw, ch = 8.4, 17
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{cols * cw + 20:.0f}" height="{rows * ch + 20}" '
           f'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">',
           f'<rect width="100%" height="100%" rx="6" fill="{BG}"/>']
    for y, row in enumerate(list(parse(text))[:rows]):
        x = 0
        runs = []
        for cell in row:
            if runs and runs[-1][1:] == cell[1:]:
                runs[-1][0] += cell[0]
            else:
                runs.append([cell[0], *cell[1:]])
        for chars, fg, bg, bold, ul in runs:
            px, py = 10 + x * cw, 10 + y * ch
            if bg != BG:
                out.append(f'<rect x="{px:.1f}" y="{py}" width="{len(chars) * cw:.1f}" height="{ch}" fill="{bg}"/>')
            if chars.strip():
                attrs = f'fill="{fg}"' + (' font-weight="bold"' if bold else "") + (' text-decoration="underline"' if ul else "")
                out.append(f'<text x="{px:.1f}" y="{py + 13}" {attrs} xml:space="preserve" '
                           f'textLength="{len(chars) * cw:.1f}">{html.escape(chars)}</text>')
            x += len(chars)
    out.append("</svg>")
    print("\n".join(out))


if __name__ == "__main__":
    main()
