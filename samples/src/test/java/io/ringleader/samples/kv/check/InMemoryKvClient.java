package io.ringleader.samples.kv.check;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A correct store in memory: every operation is atomic on a {@link ConcurrentHashMap}. */
class InMemoryKvClient implements KvClient {
    final ConcurrentMap<String, String> map;
    final AtomicInteger closed = new AtomicInteger();

    InMemoryKvClient() {
        this(new ConcurrentHashMap<>());
    }

    InMemoryKvClient(ConcurrentMap<String, String> map) {
        this.map = map;
    }

    @Override
    public void put(String key, String value) throws Exception {
        map.put(key, value);
    }

    @Override
    public Optional<String> get(String key) throws Exception {
        return Optional.ofNullable(map.get(key));
    }

    @Override
    public void delete(String key) throws Exception {
        map.remove(key);
    }

    @Override
    public void close() {
        closed.incrementAndGet();
    }
}
