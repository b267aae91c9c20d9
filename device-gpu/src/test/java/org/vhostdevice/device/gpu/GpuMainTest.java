// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine;

/** The Rust daemon's options, defaults and validation messages, and the 2d/null modes. */
class GpuMainTest {
  private static GpuMain parse(String... args) {
    GpuMain m = new GpuMain();
    new CommandLine(m).parseArgs(args);
    return m;
  }

  private static String usageError(String... args) {
    return assertThrows(UsageException.class, () -> parse(args).config()).getMessage();
  }

  @Test
  void theRendererFlagsDefaultAsInTheRustDaemon() throws Exception {
    GpuConfig c = parse("-s", "/tmp/g.sock", "-g", "2d").config();
    assertEquals(GpuMode.TWO_D, c.mode());
    assertTrue(c.useEgl());
    assertFalse(c.useGlx());
    assertTrue(c.useGles());
    assertTrue(c.useSurfaceless());
    assertTrue(c.capsets().isEmpty());
    assertEquals(5_000_000_000L, c.displayTimeoutNanos());
  }

  @Test
  void booleanFlagsTakeAnExplicitValue() throws Exception {
    GpuConfig c = parse("-s", "s", "--gpu-mode", "null", "--use-egl", "false", "--use-glx",
        "true", "--use-gles", "false", "--use-surfaceless", "false").config();
    assertEquals(GpuMode.NULL, c.mode());
    assertFalse(c.useEgl());
    assertTrue(c.useGlx());
    assertFalse(c.useGles());
    assertFalse(c.useSurfaceless());
  }

  @Test
  void theModeIsRequired() {
    assertEquals("Missing required option: '--gpu-mode=MODE'", usageError("-s", "s"));
  }

  @Test
  void anUnknownModeIsRefused() {
    assertThrows(CommandLine.ParameterException.class, () -> parse("-s", "s", "-g", "vulkan"));
  }

  @Test
  void virglrendererOffersBothVirglCapsetsByDefault() throws Exception {
    GpuConfig c = parse("-s", "s", "-g", "virgl-renderer").config();
    assertEquals(GpuMode.VIRGLRENDERER, c.mode());
    assertEquals(EnumSet.of(Capset.VIRGL, Capset.VIRGL2), c.capsets());
    assertEquals(EnumSet.of(Capset.VIRGL2),
        parse("-s", "s", "-g", "virglrenderer", "-c", "virgl2").config().capsets());
  }

  @Test
  void gfxstreamIsRefusedWithAClearMessage() {
    assertTrue(usageError("-s", "s", "-g", "gfxstream").contains("gfxstream is not available"));
  }

  @Test
  void aCapsetOutsideTheModeIsRefusedWithTheRustMessage() {
    assertEquals("The mode 2d does not support virgl capset",
        usageError("-s", "s", "-g", "2d", "-c", "virgl"));
    assertEquals("The mode virglrenderer does not support gfxstream-vulkan capset",
        usageError("-s", "s", "-g", "virglrenderer", "-c", "virgl2,gfxstream-vulkan"));
  }

  @Test
  void gfxstreamGlesNeedsGles() {
    assertEquals("Requested gfxstream-gles capset, but gles is disabled",
        usageError("-s", "s", "-g", "gfxstream", "-c", "gfxstream-gles", "--use-gles", "false"));
  }

  @Test
  void aZeroDisplayTimeoutIsRefused() {
    assertTrue(usageError("-s", "s", "-g", "2d", "--display-timeout-ms", "0")
        .contains("--display-timeout-ms"));
  }

  @Test
  void capsetBitsAndDisplayMatchTheRustDaemon() {
    assertEquals(0x2, Capset.VIRGL.bit());
    assertEquals(0x4, Capset.VIRGL2.bit());
    assertEquals(0x8, Capset.GFXSTREAM_VULKAN.bit());
    assertEquals(0x100, Capset.GFXSTREAM_GLES.bit());
    assertEquals(0x6, Capset.mask(GpuMode.VIRGLRENDERER.capsets));
    assertEquals("virgl, virgl2", Capset.display(EnumSet.of(Capset.VIRGL2, Capset.VIRGL)));
  }

  @Test
  void capsetsDefaultToEveryCapsetOfTheMode() throws Exception {
    assertEquals(EnumSet.of(Capset.VIRGL, Capset.VIRGL2),
        GpuConfig.of(GpuMode.VIRGLRENDERER, null, true, false, true, true, 1).capsets());
  }
}
