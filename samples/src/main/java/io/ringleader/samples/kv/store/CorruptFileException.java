package io.ringleader.samples.kv.store;

import java.io.IOException;
import java.nio.file.Path;

/** A store file whose bytes are damaged; the message names the file and, for a log segment, the offset. */
final class CorruptFileException extends IOException {
    CorruptFileException(Path file, String problem) {
        super("corrupt " + file + ": " + problem);
    }

    CorruptFileException(Path file, long offset, String problem) {
        super("corrupt " + file + " at offset " + offset + ": " + problem);
    }
}
