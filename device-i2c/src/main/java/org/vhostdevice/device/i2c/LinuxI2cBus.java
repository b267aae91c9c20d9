// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import org.vhostdevice.sys.Errno;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;

/**
 * A host adapter, {@code /dev/i2c-N}, driven through the kernel's i2c-dev ioctls
 * (linux/i2c-dev.h). The native boundary of this module: every failure becomes a {@link
 * NativeException} naming the ioctl and the errno.
 */
public final class LinuxI2cBus implements I2cBus {
  static final long I2C_SLAVE = 0x0703;
  static final long I2C_FUNCS = 0x0705;
  static final long I2C_RDWR = 0x0707;
  static final long I2C_SMBUS = 0x0720;
  private static final int O_RDWR = 0x2;
  private static final int O_CLOEXEC = 0x80000;
  /** struct i2c_rdwr_ioctl_data: struct i2c_msg *msgs; u32 nmsgs. */
  private static final long RDWR_ARGS_SIZE = 16;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
  private static final MethodHandle OPEN = LINKER.downcallHandle(
      LINKER.defaultLookup().find("open").orElseThrow(),
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);
  private static final MethodHandle IOCTL_PTR = LINKER.downcallHandle(
      LINKER.defaultLookup().find("ioctl").orElseThrow(),
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), CAPTURE_ERRNO,
      Linker.Option.firstVariadicArg(2));
  private static final MethodHandle IOCTL_LONG = LINKER.downcallHandle(
      LINKER.defaultLookup().find("ioctl").orElseThrow(),
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), CAPTURE_ERRNO,
      Linker.Option.firstVariadicArg(2));

  private final int bus;
  private final OwnedFd fd;
  private final Arena arena = Arena.ofAuto();
  private final MemorySegment capture = arena.allocate(CAPTURE);
  private final MemorySegment funcs = arena.allocate(JAVA_LONG);
  private final MemorySegment rdwrArgs = arena.allocate(RDWR_ARGS_SIZE, 8);

  private LinuxI2cBus(int bus, OwnedFd fd) {
    this.bus = bus;
    this.fd = fd;
  }

  /** Opens {@code /dev/i2c-<bus>} read-write. */
  public static LinuxI2cBus open(int bus) throws IOException {
    return open(bus, "/dev/i2c-" + Integer.toUnsignedString(bus));
  }

  /** Opens {@code path} as adapter {@code bus} (tests open ordinary files). */
  static LinuxI2cBus open(int bus, String path) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment cap = a.allocate(CAPTURE);
      int rc;
      try {
        rc = (int) OPEN.invokeExact(cap, a.allocateFrom(path), O_RDWR | O_CLOEXEC);
      } catch (Throwable t) {
        throw new AssertionError(t);
      }
      if (rc < 0) {
        throw new I2cException("Failed to open adapter at " + path + ": "
            + Errno.describe((int) ERRNO.get(cap, 0L)));
      }
      return new LinuxI2cBus(bus, new OwnedFd(rc));
    }
  }

  @Override
  public int busNumber() {
    return bus;
  }

  @Override
  public synchronized long functionality() throws IOException {
    ioctl("ioctl(I2C_FUNCS)", I2C_FUNCS, funcs);
    return funcs.get(JAVA_LONG, 0);
  }

  @Override
  public synchronized void selectClient(int address) throws IOException {
    int rc;
    try {
      rc = (int) IOCTL_LONG.invokeExact(capture, fd.fd(), I2C_SLAVE, (long) address);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
    check("ioctl(I2C_SLAVE)", rc);
  }

  @Override
  public synchronized void transfer(I2cMessages messages) throws IOException {
    rdwrArgs.set(JAVA_LONG, 0, messages.nativeArray().address());
    rdwrArgs.set(JAVA_INT, 8, messages.count());
    ioctl("ioctl(I2C_RDWR)", I2C_RDWR, rdwrArgs);
  }

  @Override
  public synchronized void smbus(SmbusCall call) throws IOException {
    ioctl("ioctl(I2C_SMBUS)", I2C_SMBUS, call.nativeArgs());
  }

  private void ioctl(String name, long request, MemorySegment arg) throws NativeException {
    int rc;
    try {
      rc = (int) IOCTL_PTR.invokeExact(capture, fd.fd(), request, arg);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
    check(name, rc);
  }

  private void check(String name, int rc) throws NativeException {
    if (rc < 0) {
      throw new NativeException(name, (int) ERRNO.get(capture, 0L));
    }
  }

  @Override
  public synchronized void close() {
    fd.close();
  }

  @Override
  public String toString() {
    return "/dev/i2c-" + bus;
  }
}
