#ifndef RILL_CNCURSESW_SHIM_H
#define RILL_CNCURSESW_SHIM_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <stdio.h>
#include <ncursesw/curses.h>

// Mutable C globals and attribute macros do not import into Swift 6; reach them through these.
static inline WINDOW *rill_stdscr(void) { return stdscr; }
static inline FILE *rill_stdout(void) { return stdout; }
static inline FILE *rill_stdin(void) { return stdin; }
static inline int rill_lines(void) { return LINES; }
static inline int rill_cols(void) { return COLS; }
static inline int rill_colors(void) { return COLORS; }
static inline int rill_color_pairs(void) { return COLOR_PAIRS; }
static inline attr_t rill_a_normal(void) { return A_NORMAL; }
static inline attr_t rill_a_bold(void) { return A_BOLD; }
static inline attr_t rill_a_dim(void) { return A_DIM; }
static inline attr_t rill_a_reverse(void) { return A_REVERSE; }
static inline attr_t rill_a_underline(void) { return A_UNDERLINE; }
static inline attr_t rill_a_italic(void) { return A_ITALIC; }
static inline const char *rill_codeset(void) { return nl_langinfo(CODESET); }
static inline mmask_t rill_button1_mask(void) {
    return BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_RELEASED | BUTTON4_PRESSED | BUTTON5_PRESSED;
}
static inline mmask_t rill_wheel_up(void) { return BUTTON4_PRESSED; }
static inline mmask_t rill_wheel_down(void) { return BUTTON5_PRESSED; }
static inline mmask_t rill_button1_pressed(void) { return BUTTON1_PRESSED | BUTTON1_CLICKED; }

/// Writes one cell: a single wide character with attributes and a colour pair.
static inline int rill_put_cell(WINDOW *win, int y, int x, wchar_t ch, attr_t attrs, short pair) {
    cchar_t cell;
    wchar_t text[2] = { ch, 0 };
    setcchar(&cell, text, attrs, pair, NULL);
    return mvwadd_wch(win, y, x, &cell);
}

#endif
