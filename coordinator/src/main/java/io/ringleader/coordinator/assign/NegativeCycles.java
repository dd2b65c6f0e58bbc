package io.ringleader.coordinator.assign;

import java.util.Arrays;

/**
 * A directed graph with a cost and a capacity on every edge, and the search for a cycle of negative cost through the
 * edges with capacity left: the part that {@link SetFlow} (on its residual graph, where an edge and its reverse are
 * {@code e} and {@code e ^ 1}) and {@link PrimaryCycles} (on the hand-overs of one rank, every edge open, the graph
 * built again after each cycle) share, so that both cancel cycles found the same way.
 *
 * <p>The search is Bellman–Ford from every node at distance 0, relaxing in queue order; after each pass over the
 * nodes' worth of relaxations the parent graph is checked for a cycle, which is then of negative cost. With a negative
 * cycle the distances never settle and such a check finds it; when the queue empties, there is none. Work is counted,
 * one unit per edge scanned and {@code nodes} per check of the parent graph, together with what the caller spends on
 * its own steps; once it is over the budget the search gives up, so where the caller stops is the same on every
 * machine.
 */
final class NegativeCycles {
    private final int nodes;
    private final long budget;
    private final int[] head;
    private final int[] next;
    /** Per edge, the node it leaves. */
    private final int[] from;
    /** Per edge, the node it enters. */
    private final int[] to;
    /** Per edge, what a unit along it costs. */
    private final long[] cost;
    /** Per edge, the capacity left: the search takes only the edges with some. */
    final int[] cap;

    private int edges;
    private long work;

    // the search's own arrays, reset by every search
    private final long[] dist;
    private final int[] parentEdge;
    private final int[] queue;
    private final boolean[] queued;
    private final int[] mark;

    /**
     * An empty graph.
     *
     * @param nodes the number of nodes (indexes 0..nodes-1)
     * @param maxEdges the most edges it will hold at once
     * @param budget the most work to spend over every search of this graph
     */
    NegativeCycles(int nodes, int maxEdges, long budget) {
        this.nodes = nodes;
        this.budget = budget;
        this.head = new int[nodes];
        Arrays.fill(head, -1);
        this.next = new int[maxEdges];
        this.from = new int[maxEdges];
        this.to = new int[maxEdges];
        this.cost = new long[maxEdges];
        this.cap = new int[maxEdges];
        this.dist = new long[nodes];
        this.parentEdge = new int[nodes];
        this.queue = new int[nodes];
        this.queued = new boolean[nodes];
        this.mark = new int[nodes];
    }

    /** Removes every edge; the work spent stays spent. */
    void clear() {
        Arrays.fill(head, -1);
        edges = 0;
    }

    /** The number of edges added since the graph was made or cleared (the index the next edge gets). */
    int edges() {
        return edges;
    }

    /** Adds the edge {@code u → v}; returns its index. The search scans a node's edges latest first. */
    int add(int u, int v, int capacity, long c) {
        from[edges] = u;
        to[edges] = v;
        cap[edges] = capacity;
        cost[edges] = c;
        next[edges] = head[u];
        head[u] = edges;
        return edges++;
    }

    /**
     * Adds the edge {@code u → v} and its reverse {@code v → u} (no capacity, the opposite cost) as a residual pair
     * {@code e}, {@code e + 1}; returns {@code e}, which is even (so the reverse is {@code e ^ 1}) when every edge is
     * added in pairs.
     */
    int addPair(int u, int v, int capacity, long c) {
        int e = add(u, v, capacity, c);
        add(v, u, 0, -c);
        return e;
    }

    /** Counts work the caller did outside the search against the same budget. */
    void spend(long units) {
        work += units;
    }

    /** Whether the work spent is over the budget. */
    boolean spent() {
        return work > budget;
    }

    /**
     * Finds a cycle of negative cost through edges with capacity left: its edges, from the one entering the node the
     * check found and back along the parent graph, or null if there is none or the budget is spent first.
     */
    int[] negativeCycle() {
        Arrays.fill(dist, 0);
        Arrays.fill(parentEdge, -1);
        int qHead = 0;
        int qSize = nodes;
        for (int v = 0; v < nodes; v++) {
            queue[v] = v;
            queued[v] = true;
        }
        int relaxations = 0;
        while (qSize > 0) {
            int u = queue[qHead];
            qHead = qHead + 1 == nodes ? 0 : qHead + 1;
            qSize--;
            queued[u] = false;
            for (int e = head[u]; e >= 0; e = next[e]) {
                if (++work > budget) {
                    return null;
                }
                int v = to[e];
                if (cap[e] > 0 && dist[u] + cost[e] < dist[v]) {
                    dist[v] = dist[u] + cost[e];
                    parentEdge[v] = e;
                    if (++relaxations >= nodes) {
                        relaxations = 0;
                        work += nodes;
                        int c = cycleIn();
                        if (c >= 0) {
                            return cycleThrough(c);
                        }
                    }
                    if (!queued[v]) {
                        queued[v] = true;
                        int tail = qHead + qSize;
                        queue[tail >= nodes ? tail - nodes : tail] = v;
                        qSize++;
                    }
                }
            }
        }
        return null; // the distances settled: no cycle of negative cost
    }

    /** A node on a cycle of the parent graph, or -1. */
    private int cycleIn() {
        Arrays.fill(mark, 0);
        for (int v = 0; v < nodes; v++) {
            if (mark[v] != 0) {
                continue;
            }
            int u = v;
            while (u >= 0 && mark[u] == 0) {
                mark[u] = v + 1;
                int e = parentEdge[u];
                u = e < 0 ? -1 : from[e];
            }
            if (u >= 0 && mark[u] == v + 1) {
                return u;
            }
        }
        return -1;
    }

    /** The edges of the parent cycle through node c, from the one entering c backwards. */
    private int[] cycleThrough(int c) {
        int length = 0;
        int u = c;
        do {
            length++;
            u = from[parentEdge[u]];
        } while (u != c);
        int[] cycle = new int[length];
        for (int i = 0; i < length; i++) {
            cycle[i] = parentEdge[u];
            u = from[cycle[i]];
        }
        return cycle;
    }
}
