// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.Errno;
import org.vhostdevice.sys.NativeException;

/** The real ioctl backend: errors on non-V4L2 files here, and vicodec where it is loaded. */
class LinuxV4l2DeviceTest {
  @Test
  void openFailureNamesThePath() {
    NativeException e = assertThrows(NativeException.class,
        () -> LinuxV4l2Device.open("/nonexistent/video0"));
    assertEquals(Errno.ENOENT, e.errno());
    assertTrue(e.getMessage().contains("open(/nonexistent/video0)"), e.getMessage());
  }

  @Test
  void ioctlOnANonV4l2FileNamesTheIoctl() throws Exception {
    try (LinuxV4l2Device dev = LinuxV4l2Device.open("/dev/null")) {
      NativeException e = assertThrows(NativeException.class, dev::capabilities);
      assertEquals(Errno.ENOTTY, e.errno());
      assertTrue(e.getMessage().contains("VIDIOC_QUERYCAP"), e.getMessage());
    }
  }

  @Test
  void callsAfterCloseFailWithEbadfInsteadOfReachingAReusedFd() throws Exception {
    LinuxV4l2Device dev = LinuxV4l2Device.open("/dev/null");
    dev.close();
    assertEquals(Errno.EBADF, assertThrows(NativeException.class,
        () -> dev.dequeueBuffer(V4l2.BUF_TYPE_VIDEO_CAPTURE_MPLANE)).errno());
    assertEquals(Errno.EBADF, assertThrows(NativeException.class,
        () -> dev.streamOff(V4l2.BUF_TYPE_VIDEO_CAPTURE_MPLANE)).errno());
    dev.close();
  }

  /** The vicodec stateful decoder's node, if the module is loaded. */
  private static Path vicodecDecoder() throws IOException {
    Path sys = Path.of("/sys/class/video4linux");
    if (!Files.isDirectory(sys)) {
      return null;
    }
    try (Stream<Path> nodes = Files.list(sys)) {
      for (Path n : nodes.toList()) {
        Path name = n.resolve("name");
        if (Files.isReadable(name)
            && Files.readString(name).trim().equals("vicodec-stateful-decoder")) {
          return Path.of("/dev", n.getFileName().toString());
        }
      }
    }
    return null;
  }

  @Test
  void vicodecDecoderOffersFwhtIn() throws Exception {
    Path node = vicodecDecoder();
    Assumptions.assumeTrue(node != null,
        "vicodec is not loaded (modprobe vicodec); this machine has no kernel modules");
    try (LinuxV4l2Device dev = LinuxV4l2Device.open(node.toString())) {
      assertNotEquals(0, dev.capabilities() & V4l2.CAP_VIDEO_M2M_MPLANE);
      assertEquals(V4l2.PIX_FMT_FWHT, dev.enumFormat(V4l2.BUF_TYPE_VIDEO_OUTPUT_MPLANE, 0));
      assertEquals(0, dev.enumFormat(V4l2.BUF_TYPE_VIDEO_OUTPUT_MPLANE, 64));
    }
  }
}
