// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The native boundary to libpipewire-0.3 (Debian's libpipewire-0.3-0): a thread loop and
 * {@code pw_stream}s created with {@code pw_stream_new_simple}. PipeWire returns negative errno
 * values; {@link #check} turns them into {@link AudioIoException}s naming the call.
 */
final class PipeWire {
  private PipeWire() {}

  static final int DIRECTION_INPUT = 0;
  static final int DIRECTION_OUTPUT = 1;
  static final int ID_ANY = 0xffffffff;
  static final int FLAG_AUTOCONNECT = 1;
  static final int FLAG_INACTIVE = 1 << 1;
  static final int FLAG_MAP_BUFFERS = 1 << 2;

  // struct pw_stream_events: u32 version, then 11 function pointers from offset 8.
  static final int EVENTS_VERSION = 2;
  static final int EVENTS_SIZE = 8 + 11 * 8;
  static final int EVENTS_PROCESS = 8 + 7 * 8;
  // struct pw_buffer {spa_buffer *buffer; void *user_data; u64 size; u64 requested}.
  static final int PW_BUFFER_SIZE = 32;
  static final int PW_BUFFER_REQUESTED = 24;
  // struct spa_buffer {u32 n_metas; u32 n_datas; spa_meta *metas; spa_data *datas}.
  static final int SPA_BUFFER_SIZE = 24;
  static final int SPA_BUFFER_N_DATAS = 4;
  static final int SPA_BUFFER_DATAS = 16;
  // struct spa_data {u32 type; u32 flags; i64 fd; u32 mapoffset; u32 maxsize; void *data;
  // spa_chunk *chunk}.
  static final int SPA_DATA_SIZE = 40;
  static final int SPA_DATA_MAXSIZE = 20;
  static final int SPA_DATA_DATA = 24;
  static final int SPA_DATA_CHUNK = 32;
  // struct spa_chunk {u32 offset; u32 size; i32 stride; i32 flags}.
  static final int SPA_CHUNK_SIZE = 16;
  static final int CHUNK_OFFSET = 0;
  static final int CHUNK_SIZE = 4;
  static final int CHUNK_STRIDE = 8;

  static final Linker LINKER = Linker.nativeLinker();

  /** Linked on first use, so that the other backends never need libpipewire. */
  static final class Calls {
    private static final SymbolLookup LIB =
        SymbolLookup.libraryLookup("libpipewire-0.3.so.0", Arena.global());

    private static MethodHandle link(String name, FunctionDescriptor d) {
      return LINKER.downcallHandle(
          LIB.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libpipewire has no " + name)),
          d);
    }

    static final MethodHandle INIT = link("pw_init", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
    static final MethodHandle LOOP_NEW = link("pw_thread_loop_new",
        FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle LOOP_GET = link("pw_thread_loop_get_loop",
        FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle LOOP_START = link("pw_thread_loop_start",
        FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle LOOP_STOP = link("pw_thread_loop_stop",
        FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle LOOP_DESTROY = link("pw_thread_loop_destroy",
        FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle LOCK = link("pw_thread_loop_lock", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle UNLOCK =
        link("pw_thread_loop_unlock", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle PROPS = link("pw_properties_new_string",
        FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle STREAM_NEW = link("pw_stream_new_simple",
        FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle CONNECT = link("pw_stream_connect", FunctionDescriptor.of(JAVA_INT,
        ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle SET_ACTIVE = link("pw_stream_set_active",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_BOOLEAN));
    static final MethodHandle DESTROY = link("pw_stream_destroy", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle DEQUEUE = link("pw_stream_dequeue_buffer",
        FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle QUEUE = link("pw_stream_queue_buffer",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));

    static {
      try {
        INIT.invokeExact(MemorySegment.NULL, MemorySegment.NULL);
      } catch (Throwable t) {
        throw new ExceptionInInitializerError(t);
      }
    }
  }

  /** Why the PipeWire backend cannot work here, or null if libpipewire links. */
  static String unavailableReason() {
    try {
      Calls.STREAM_NEW.type();
      return null;
    } catch (LinkageError | IllegalArgumentException e) {
      return "libpipewire-0.3.so.0 cannot be loaded (install Debian's libpipewire-0.3-0): "
          + e.getMessage();
    }
  }

  static int check(String call, int result) throws AudioIoException {
    if (result < 0) {
      throw new AudioIoException(call + " failed: errno " + -result);
    }
    return result;
  }

  static AssertionError unexpected(Throwable t) {
    return new AssertionError("libpipewire downcall failed unexpectedly", t);
  }
}
