// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.sys.Epoll;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.NativeException;

/**
 * The native boundary to virglrenderer (Debian's libvirglrenderer1): the 3D renderer behind
 * {@code --gpu-mode virglrenderer}. virglrenderer is process-wide state bound to the GL context
 * of the thread that initialised it, so one renderer thread ("virgl-renderer") makes every call;
 * device workers hand it work and wait. Fences are signalled by virglrenderer's sync thread on
 * its poll eventfd; the renderer thread then runs {@code virgl_renderer_poll}, whose callback
 * reports the completed fence to the device that owns the renderer now.
 *
 * <p>Objects (contexts, resources) are tracked per owner, so that a new frontend connection
 * destroys whatever the previous guest left behind.
 */
final class VirglRenderer {
  private static final Logger LOG = LoggerFactory.getLogger(VirglRenderer.class);

  // virglrenderer.h flags.
  static final int USE_EGL = 1 << 0;
  static final int THREAD_SYNC = 1 << 1;
  static final int USE_GLX = 1 << 2;
  static final int USE_SURFACELESS = 1 << 3;
  static final int USE_GLES = 1 << 4;
  /** struct virgl_renderer_resource_create_args: 11 u32 fields. */
  static final int CREATE_ARGS_SIZE = 44;
  /** struct virgl_box: x, y, z, w, h, d. */
  static final int BOX_SIZE = 24;
  /** struct iovec: base pointer, length. */
  static final int IOVEC_SIZE = 16;
  /** struct virgl_renderer_callbacks with version 1: version, write_fence, then unused slots. */
  private static final int CALLBACKS_SIZE = 8 * 9;
  private static final long TOKEN_TASKS = 1;
  private static final long TOKEN_FENCES = 2;

  private static VirglRenderer instance;

  private final Arena arena = Arena.global();
  private final Handles h;
  private final EventFd tasks;
  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private volatile IntConsumer fenceListener = f -> { };
  private Object owner;
  private Runnable ownerEvicted = () -> { };
  private final Set<Integer> contexts = new HashSet<>();
  private final Set<Integer> resources = new HashSet<>();

  /** The library's functions; resolving them fails if libvirglrenderer is missing. */
  private static final class Handles {
    final MethodHandle init;
    final MethodHandle poll;
    final MethodHandle pollFd;
    final MethodHandle getCapSet;
    final MethodHandle fillCaps;
    final MethodHandle ctxCreate;
    final MethodHandle ctxCreateWithFlags;
    final MethodHandle ctxDestroy;
    final MethodHandle ctxAttach;
    final MethodHandle ctxDetach;
    final MethodHandle resCreate;
    final MethodHandle resUnref;
    final MethodHandle attachIov;
    final MethodHandle detachIov;
    final MethodHandle transferWrite;
    final MethodHandle transferRead;
    final MethodHandle submit;
    final MethodHandle createFence;

    Handles(SymbolLookup lib) {
      Linker l = Linker.nativeLinker();
      init = l.downcallHandle(find(lib, "virgl_renderer_init"),
          FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
      poll = l.downcallHandle(find(lib, "virgl_renderer_poll"), FunctionDescriptor.ofVoid());
      pollFd = l.downcallHandle(find(lib, "virgl_renderer_get_poll_fd"),
          FunctionDescriptor.of(JAVA_INT));
      getCapSet = l.downcallHandle(find(lib, "virgl_renderer_get_cap_set"),
          FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS));
      fillCaps = l.downcallHandle(find(lib, "virgl_renderer_fill_caps"),
          FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, ADDRESS));
      ctxCreate = l.downcallHandle(find(lib, "virgl_renderer_context_create"),
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
      ctxCreateWithFlags = l.downcallHandle(
          find(lib, "virgl_renderer_context_create_with_flags"),
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
      ctxDestroy = l.downcallHandle(find(lib, "virgl_renderer_context_destroy"),
          FunctionDescriptor.ofVoid(JAVA_INT));
      ctxAttach = l.downcallHandle(find(lib, "virgl_renderer_ctx_attach_resource"),
          FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT));
      ctxDetach = l.downcallHandle(find(lib, "virgl_renderer_ctx_detach_resource"),
          FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT));
      resCreate = l.downcallHandle(find(lib, "virgl_renderer_resource_create"),
          FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
      resUnref = l.downcallHandle(find(lib, "virgl_renderer_resource_unref"),
          FunctionDescriptor.ofVoid(JAVA_INT));
      attachIov = l.downcallHandle(find(lib, "virgl_renderer_resource_attach_iov"),
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
      detachIov = l.downcallHandle(find(lib, "virgl_renderer_resource_detach_iov"),
          FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS));
      FunctionDescriptor transfer = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
          JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT);
      transferWrite = l.downcallHandle(find(lib, "virgl_renderer_transfer_write_iov"), transfer);
      transferRead = l.downcallHandle(find(lib, "virgl_renderer_transfer_read_iov"), transfer);
      submit = l.downcallHandle(find(lib, "virgl_renderer_submit_cmd"),
          FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
      createFence = l.downcallHandle(find(lib, "virgl_renderer_create_fence"),
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
      return lib.find(name).orElseThrow(
          () -> new UnsatisfiedLinkError("libvirglrenderer has no " + name));
    }
  }

  /** virglrenderer could not be loaded or would not start (no EGL, no library). */
  static final class VirglUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    VirglUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The process's renderer, started on first use with the flags of {@code config}. virglrenderer
   * cannot be initialised twice with different flags, so later calls get the same instance.
   */
  static synchronized VirglRenderer start(GpuConfig config) throws VirglUnavailableException {
    if (instance == null) {
      int flags = THREAD_SYNC;
      flags |= config.useEgl() ? USE_EGL : 0;
      flags |= config.useGlx() ? USE_GLX : 0;
      flags |= config.useGles() ? USE_GLES : 0;
      flags |= config.useSurfaceless() ? USE_SURFACELESS : 0;
      instance = new VirglRenderer(flags);
    }
    return instance;
  }

  private VirglRenderer(int flags) throws VirglUnavailableException {
    try {
      h = new Handles(SymbolLookup.libraryLookup("libvirglrenderer.so.1", arena));
    } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
      throw new VirglUnavailableException("cannot load libvirglrenderer.so.1 (install "
          + "libvirglrenderer1): " + e.getMessage(), e);
    }
    try {
      tasks = EventFd.create();
    } catch (NativeException e) {
      throw new VirglUnavailableException("eventfd: " + e.getMessage(), e);
    }
    CompletableFuture<Integer> started = new CompletableFuture<>();
    thread = Thread.ofPlatform().daemon().name("virgl-renderer").start(() -> run(flags, started));
    int rc;
    try {
      rc = started.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VirglUnavailableException("interrupted while virglrenderer started", e);
    } catch (ExecutionException e) {
      throw new VirglUnavailableException("virglrenderer failed to start: " + e.getCause(),
          e.getCause());
    }
    if (rc != 0) {
      throw new VirglUnavailableException("virgl_renderer_init failed (" + rc + "): EGL/GL "
          + "could not start with flags 0x" + Integer.toHexString(flags), null);
    }
  }

  /** Upcall target of write_fence(cookie, fence). */
  @SuppressWarnings("unused")
  private static void writeFence(MemorySegment cookie, int fence) {
    VirglRenderer r = instance;
    if (r != null) {
      r.fenceListener.accept(fence);
    }
  }

  private void run(int flags, CompletableFuture<Integer> started) {
    int rc;
    int pollFd;
    try {
      MethodHandle target = MethodHandles.lookup().findStatic(VirglRenderer.class, "writeFence",
          MethodType.methodType(void.class, MemorySegment.class, int.class));
      MemorySegment stub = Linker.nativeLinker().upcallStub(target,
          FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT), arena);
      MemorySegment callbacks = arena.allocate(CALLBACKS_SIZE, 8);
      callbacks.set(JAVA_INT, 0, 1);
      callbacks.set(ADDRESS, 8, stub);
      // virglrenderer refuses a NULL cookie; ours is never dereferenced.
      MemorySegment cookie = arena.allocate(8, 8);
      rc = (int) h.init.invokeExact(cookie, flags, callbacks);
      pollFd = rc == 0 ? (int) h.pollFd.invokeExact() : -1;
    } catch (Throwable t) {
      started.completeExceptionally(t);
      return;
    }
    if (rc != 0) {
      started.complete(rc);
      return;
    }
    try (Epoll epoll = Epoll.create(2)) {
      epoll.add(tasks.fd(), Epoll.EPOLLIN, TOKEN_TASKS);
      if (pollFd >= 0) {
        epoll.add(pollFd, Epoll.EPOLLIN, TOKEN_FENCES);
      }
      started.complete(0);
      while (true) {
        int n = epoll.await(-1);
        for (int i = 0; i < n; i++) {
          if (epoll.token(i) == TOKEN_TASKS) {
            tasks.read();
            Runnable r;
            while ((r = queue.poll()) != null) {
              r.run();
            }
          }
        }
        // Fences may be done after any call or a sync-thread signal: one poll handles both.
        h.poll.invokeExact();
      }
    } catch (Throwable t) {
      LOG.error("virgl renderer thread ended: {}", t.toString());
      started.complete(-1);
    }
  }

  /** Work for the renderer thread; downcalls declare Throwable. */
  @FunctionalInterface
  interface NativeWork<T> {
    T run() throws Throwable;
  }

  /** Runs {@code work} on the renderer thread and returns its result. */
  <T> T call(NativeWork<T> work) throws Exception {
    CompletableFuture<T> f = new CompletableFuture<>();
    queue.add(() -> {
      try {
        f.complete(work.run());
      } catch (Throwable t) {
        f.completeExceptionally(t);
      }
    });
    tasks.signal();
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception ex) {
        throw ex;
      }
      throw new IllegalStateException("virglrenderer call failed", e.getCause());
    }
  }

  /**
   * Makes {@code newOwner} (a device, one per frontend connection) the user of the renderer:
   * everything the previous owner created is destroyed, the previous owner's {@code evicted}
   * action runs (it lets go of what backed those objects), and fences go to {@code listener}.
   */
  void adopt(Object newOwner, IntConsumer listener, Runnable evicted) throws Exception {
    call(() -> {
      if (owner != newOwner) {
        destroyAll();
        ownerEvicted.run();
        owner = newOwner;
        ownerEvicted = evicted;
      }
      fenceListener = listener;
      return null;
    });
  }

  /** Destroys every context and resource (device reset). Renderer thread only. */
  private void destroyAll() throws Throwable {
    for (int c : contexts) {
      h.ctxDestroy.invokeExact(c);
    }
    for (int r : resources) {
      h.detachIov.invokeExact(r, MemorySegment.NULL, MemorySegment.NULL);
      h.resUnref.invokeExact(r);
    }
    contexts.clear();
    resources.clear();
  }

  void reset(Object who) throws Exception {
    call(() -> {
      if (owner == who) {
        destroyAll();
      }
      return null;
    });
  }

  // --- calls, each on the renderer thread; the int results are virglrenderer's (0 = ok) -------

  /** {max_version, max_size} of capset {@code id}. */
  int[] capsetInfo(int id) throws Exception {
    return call(() -> {
      try (Arena a = Arena.ofConfined()) {
        MemorySegment v = a.allocate(JAVA_INT);
        MemorySegment s = a.allocate(JAVA_INT);
        h.getCapSet.invokeExact(id, v, s);
        return new int[] {v.get(JAVA_INT, 0), s.get(JAVA_INT, 0)};
      }
    });
  }

  byte[] capset(int id, int version, int size) throws Exception {
    return call(() -> {
      try (Arena a = Arena.ofConfined()) {
        MemorySegment caps = a.allocate(Math.max(size, 1), 8);
        h.fillCaps.invokeExact(id, version, caps);
        return caps.asSlice(0, size).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
      }
    });
  }

  int contextCreate(int ctxId, int contextInit, byte[] name) throws Exception {
    return call(() -> {
      try (Arena a = Arena.ofConfined()) {
        MemorySegment n = a.allocate(name.length + 1);
        MemorySegment.copy(name, 0, n, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, name.length);
        int rc = contextInit == 0
            ? (int) h.ctxCreate.invokeExact(ctxId, name.length, n)
            : (int) h.ctxCreateWithFlags.invokeExact(ctxId, contextInit, name.length, n);
        if (rc == 0) {
          contexts.add(ctxId);
        }
        return rc;
      }
    });
  }

  void contextDestroy(int ctxId) throws Exception {
    call(() -> {
      h.ctxDestroy.invokeExact(ctxId);
      contexts.remove(ctxId);
      return null;
    });
  }

  void contextAttach(int ctxId, int resourceId, boolean attach) throws Exception {
    call(() -> {
      if (attach) {
        h.ctxAttach.invokeExact(ctxId, resourceId);
      } else {
        h.ctxDetach.invokeExact(ctxId, resourceId);
      }
      return null;
    });
  }

  /** The 11 fields of virgl_renderer_resource_create_args, handle first. */
  int resourceCreate(int[] args) throws Exception {
    return call(() -> {
      try (Arena a = Arena.ofConfined()) {
        MemorySegment s = a.allocate(CREATE_ARGS_SIZE, 4);
        for (int i = 0; i < args.length; i++) {
          s.setAtIndex(JAVA_INT, i, args[i]);
        }
        int rc = (int) h.resCreate.invokeExact(s, MemorySegment.NULL, 0);
        if (rc == 0) {
          resources.add(args[0]);
        }
        return rc;
      }
    });
  }

  void resourceUnref(int id) throws Exception {
    call(() -> {
      h.detachIov.invokeExact(id, MemorySegment.NULL, MemorySegment.NULL);
      h.resUnref.invokeExact(id);
      resources.remove(id);
      return null;
    });
  }

  /** Attaches host memory ({@code addrs[i]}, {@code lens[i]}) as the resource's backing. */
  int attachBacking(int id, long[] addrs, long[] lens) throws Exception {
    return call(() -> {
      // virglrenderer keeps the iovec array: it must outlive this call.
      MemorySegment iov = Arena.ofAuto().allocate((long) IOVEC_SIZE * addrs.length, 8);
      for (int i = 0; i < addrs.length; i++) {
        iov.set(JAVA_LONG, (long) i * IOVEC_SIZE, addrs[i]);
        iov.set(JAVA_LONG, (long) i * IOVEC_SIZE + 8, lens[i]);
      }
      keepAlive.put(id, iov);
      return (int) h.attachIov.invokeExact(id, iov, addrs.length);
    });
  }

  private final java.util.Map<Integer, MemorySegment> keepAlive = new java.util.HashMap<>();

  void detachBacking(int id) throws Exception {
    call(() -> {
      h.detachIov.invokeExact(id, MemorySegment.NULL, MemorySegment.NULL);
      keepAlive.remove(id);
      return null;
    });
  }

  /** virgl_renderer_transfer_write_iov from the attached backing. box: x, y, z, w, h, d. */
  int transferWrite(int id, int ctxId, int level, int stride, int layerStride, int[] box,
      long offset) throws Exception {
    return call(() -> {
      try (Arena a = Arena.ofConfined()) {
        MemorySegment b = box(a, box);
        return (int) h.transferWrite.invokeExact(id, ctxId, level, stride, layerStride, b, offset,
            MemorySegment.NULL, 0);
      }
    });
  }

  /** virgl_renderer_transfer_read_iov into the attached backing. */
  int transferRead(int id, int ctxId, int level, int stride, int layerStride, int[] box,
      long offset) throws Exception {
    return call(() -> {
      try (Arena a = Arena.ofConfined()) {
        MemorySegment b = box(a, box);
        return (int) h.transferRead.invokeExact(id, ctxId, level, stride, layerStride, b, offset,
            MemorySegment.NULL, 0);
      }
    });
  }

  /** Reads a 2D rectangle of {@code id} into {@code dst} (tightly packed, 4 bytes a pixel). */
  int readPixels(int id, int x, int y, int w, int hgt, byte[] dst) throws Exception {
    return call(() -> {
      try (Arena a = Arena.ofConfined()) {
        long n = (long) w * hgt * 4;
        MemorySegment buf = a.allocate(n, 8);
        MemorySegment iov = a.allocate(IOVEC_SIZE, 8);
        iov.set(JAVA_LONG, 0, buf.address());
        iov.set(JAVA_LONG, 8, n);
        MemorySegment b = box(a, new int[] {x, y, 0, w, hgt, 1});
        int rc = (int) h.transferRead.invokeExact(id, 0, 0, w * 4, 0, b, 0L, iov, 1);
        if (rc == 0) {
          MemorySegment.copy(buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, dst, 0, (int) n);
        }
        return rc;
      }
    });
  }

  private static MemorySegment box(Arena a, int[] box) {
    MemorySegment b = a.allocate(BOX_SIZE, 4);
    for (int i = 0; i < 6; i++) {
      b.setAtIndex(JAVA_INT, i, box[i]);
    }
    return b;
  }

  /** Native copy of the last command stream; grows, reused on the renderer thread. */
  private MemorySegment submitBuffer = MemorySegment.NULL;

  /** Submits the first {@code length} bytes (a multiple of 4) of {@code commands}. */
  int submit(int ctxId, byte[] commands, int length) throws Exception {
    return call(() -> {
      if (submitBuffer.byteSize() < Math.max(length, 4)) {
        submitBuffer = Arena.ofAuto().allocate(Math.max(length, 4096), 8);
      }
      MemorySegment.copy(commands, 0, submitBuffer, java.lang.foreign.ValueLayout.JAVA_BYTE, 0,
          length);
      return (int) h.submit.invokeExact(submitBuffer, ctxId, length / 4);
    });
  }

  int submit(int ctxId, byte[] commands) throws Exception {
    return submit(ctxId, commands, commands.length);
  }

  int createFence(int fenceId, int ctxId) throws Exception {
    return call(() -> (int) h.createFence.invokeExact(fenceId, ctxId));
  }
}
