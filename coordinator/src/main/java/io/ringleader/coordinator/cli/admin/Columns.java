package io.ringleader.coordinator.cli.admin;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A text table whose columns are as wide as their widest cell, separated by two spaces. */
final class Columns {
    private final List<String[]> rows = new ArrayList<>();
    private final int width;

    /** A table with a header row. */
    Columns(String... header) {
        this.width = header.length;
        rows.add(header);
    }

    private Columns(int width) {
        this.width = width;
    }

    /** A table without a header row. */
    static Columns untitled(int width) {
        return new Columns(width);
    }

    Columns row(Object... cells) {
        if (cells.length != width) {
            throw new IllegalArgumentException("a row of " + cells.length + " cells in a table of " + width);
        }
        String[] text = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            text[i] = cells[i] == null ? "-" : cells[i].toString();
        }
        rows.add(text);
        return this;
    }

    void print(PrintWriter out) {
        int[] widths = new int[width];
        for (String[] row : rows) {
            for (int i = 0; i < width; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < width; i++) {
                line.append(row[i]);
                if (i < width - 1) {
                    line.append(" ".repeat(widths[i] - row[i].length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
