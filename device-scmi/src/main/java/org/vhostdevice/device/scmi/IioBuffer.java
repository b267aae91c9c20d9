// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;

/**
 * The IIO buffer of one sensor's axes: turned on and off through sysfs ({@code
 * scan_elements/<axis>_en}, {@code buffer/enable}), scans read from the device's character
 * device. A scan holds the enabled elements in {@code _index} order, each aligned to its own
 * storage size (drivers/iio/industrialio-buffer.c).
 */
final class IioBuffer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IioBuffer.class);
  /** Scans read from the character device at once; only the newest one is reported. */
  private static final int SCANS_PER_READ = 16;

  private final Path deviceDir;
  private final List<IioSensor.Axis> axes;
  private final OwnedFd events;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment readBuffer;
  private final byte[] scan;
  private final int[] offsets;
  private final int scanSize;
  private boolean active;

  private IioBuffer(Path deviceDir, List<IioSensor.Axis> axes, OwnedFd events, int[] offsets,
      int scanSize) {
    this.deviceDir = deviceDir;
    this.axes = axes;
    this.events = events;
    this.offsets = offsets;
    this.scanSize = scanSize;
    this.scan = new byte[scanSize];
    this.readBuffer = arena.allocate((long) scanSize * SCANS_PER_READ, 8);
  }

  /**
   * The buffer of {@code axes} of the device in {@code deviceDir} whose character device is
   * {@code dev}, or null when there is none or the scan layout is not known.
   */
  static IioBuffer open(Path deviceDir, Path dev, List<IioSensor.Axis> axes, String sensor) {
    if (!Files.exists(dev)) {
      return null;
    }
    List<IioSensor.Axis> inScan = new ArrayList<>(axes);
    if (inScan.stream().allMatch(a -> a.scanIndex() >= 0)) {
      inScan.sort(Comparator.comparingInt(IioSensor.Axis::scanIndex));
    }
    int[] offsets = new int[axes.size()];
    int offset = 0;
    int align = 1;
    for (IioSensor.Axis a : inScan) {
      if (a.scanType() == null || !a.scanType().decodable()) {
        LOG.info("{}: no usable scan_elements type for {}, no update notifications", sensor,
            a.base().getFileName());
        return null;
      }
      int bytes = a.scanType().storageBytes();
      offset = (offset + bytes - 1) / bytes * bytes;
      offsets[axes.indexOf(a)] = offset;
      offset += bytes;
      align = Math.max(align, bytes);
    }
    OwnedFd fd;
    try {
      fd = IioNative.openForEvents(dev);
    } catch (NativeException e) {
      // The Rust daemon panics here (e.g. /dev/iio:deviceN is root-only).
      LOG.warn("{}: cannot open {} for update notifications: {}", sensor, dev, e.getMessage());
      return null;
    }
    return new IioBuffer(deviceDir, List.copyOf(axes), fd, offsets,
        (offset + align - 1) / align * align);
  }

  int fd() {
    return events.fd();
  }

  boolean active() {
    return active;
  }

  /**
   * Reads what the character device has and decodes the newest complete scan into {@code raw}
   * (one value per axis, in axis order). Returns the number of values, 0 if no whole scan came.
   */
  int readLatest(long[] raw) throws NativeException {
    long n = Fds.read(events.fd(), readBuffer, readBuffer.byteSize());
    int scans = n <= 0 ? 0 : (int) (n / scanSize);
    if (scans == 0) {
      return 0;
    }
    MemorySegment.copy(readBuffer, ValueLayout.JAVA_BYTE, (long) (scans - 1) * scanSize, scan, 0,
        scanSize);
    for (int i = 0; i < axes.size(); i++) {
      raw[i] = axes.get(i).scanType().decode(scan, offsets[i]);
    }
    return axes.size();
  }

  /** Enables the scan elements then the buffer, or disables them in the reverse order. */
  void enable(boolean on) throws IOException {
    Path enable = deviceDir.resolve("buffer").resolve("enable");
    if (!on) {
      IioSysfs.write(enable, "0");
      active = false;
    }
    for (IioSensor.Axis a : axes) {
      Path en = deviceDir.resolve("scan_elements").resolve(a.base().getFileName() + "_en");
      IioSysfs.write(en, on ? "1" : "0");
    }
    if (on) {
      IioSysfs.write(enable, "1");
      active = true;
    }
  }

  /** Turns only {@code buffer/enable} off or back on (sysfs _raw reads need it off). */
  void pause(boolean paused) throws IOException {
    IioSysfs.write(deviceDir.resolve("buffer").resolve("enable"), paused ? "0" : "1");
    active = !paused;
  }

  @Override
  public void close() {
    if (active) {
      try {
        enable(false);
      } catch (IOException e) {
        LOG.debug("disabling the IIO buffer of {} failed: {}", deviceDir, e.getMessage());
      }
    }
    events.close();
    arena.close();
  }
}
