// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ioctl numbers and struct offsets {@link LinuxGpioChip} hard-codes, checked against this
 * machine's linux/gpio.h by compiling a small C program (skipped without gcc and the kernel
 * headers, i.e. linux-libc-dev).
 */
class UapiLayoutTest {
  @TempDir Path dir;

  private static final String PROGRAM = """
      #include <linux/gpio.h>
      #include <stddef.h>
      #include <stdio.h>
      #define P(n, v) printf("%s=%lu\\n", n, (unsigned long)(v))
      int main(void) {
        P("GET_CHIPINFO", GPIO_GET_CHIPINFO_IOCTL);
        P("GET_LINEINFO", GPIO_V2_GET_LINEINFO_IOCTL);
        P("GET_LINE", GPIO_V2_GET_LINE_IOCTL);
        P("SET_CONFIG", GPIO_V2_LINE_SET_CONFIG_IOCTL);
        P("GET_VALUES", GPIO_V2_LINE_GET_VALUES_IOCTL);
        P("SET_VALUES", GPIO_V2_LINE_SET_VALUES_IOCTL);
        P("CHIPINFO_SIZE", sizeof(struct gpiochip_info));
        P("CHIPINFO_LINES", offsetof(struct gpiochip_info, lines));
        P("LINEINFO_SIZE", sizeof(struct gpio_v2_line_info));
        P("LINEINFO_OFFSET", offsetof(struct gpio_v2_line_info, offset));
        P("LINEINFO_FLAGS", offsetof(struct gpio_v2_line_info, flags));
        P("REQUEST_SIZE", sizeof(struct gpio_v2_line_request));
        P("REQUEST_CONSUMER", offsetof(struct gpio_v2_line_request, consumer));
        P("REQUEST_CONFIG", offsetof(struct gpio_v2_line_request, config));
        P("REQUEST_NUM_LINES", offsetof(struct gpio_v2_line_request, num_lines));
        P("REQUEST_FD", offsetof(struct gpio_v2_line_request, fd));
        P("CONFIG_SIZE", sizeof(struct gpio_v2_line_config));
        P("CONFIG_NUM_ATTRS", offsetof(struct gpio_v2_line_config, num_attrs));
        P("CONFIG_ATTRS", offsetof(struct gpio_v2_line_config, attrs));
        P("ATTR_VALUE", offsetof(struct gpio_v2_line_config_attribute, attr.values));
        P("ATTR_MASK", offsetof(struct gpio_v2_line_config_attribute, mask));
        P("EVENT_SIZE", sizeof(struct gpio_v2_line_event));
        P("EVENT_ID", offsetof(struct gpio_v2_line_event, id));
        P("FLAG_INPUT", GPIO_V2_LINE_FLAG_INPUT);
        P("FLAG_OUTPUT", GPIO_V2_LINE_FLAG_OUTPUT);
        P("FLAG_EDGE_RISING", GPIO_V2_LINE_FLAG_EDGE_RISING);
        P("FLAG_EDGE_FALLING", GPIO_V2_LINE_FLAG_EDGE_FALLING);
        P("ATTR_ID_OUTPUT_VALUES", GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES);
        P("EVENT_RISING", GPIO_V2_LINE_EVENT_RISING_EDGE);
        return 0;
      }
      """;

  private Map<String, Long> kernelValues() throws Exception {
    Assumptions.assumeTrue(Files.exists(Path.of("/usr/include/linux/gpio.h")),
        "no linux/gpio.h (apt-get install linux-libc-dev)");
    Path src = Files.writeString(dir.resolve("uapi.c"), PROGRAM);
    Path exe = dir.resolve("uapi");
    Process cc;
    try {
      cc = new ProcessBuilder("gcc", "-o", exe.toString(), src.toString())
          .redirectErrorStream(true).start();
    } catch (java.io.IOException e) {
      Assumptions.abort("gcc is not installed");
      return Map.of();
    }
    String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, cc.waitFor(), ccOut);
    Process run = new ProcessBuilder(exe.toString()).start();
    String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    run.waitFor(10, TimeUnit.SECONDS);
    Map<String, Long> values = new HashMap<>();
    for (String line : out.split("\n")) {
      String[] kv = line.split("=");
      values.put(kv[0], Long.parseUnsignedLong(kv[1]));
    }
    return values;
  }

  @Test
  void ioctlNumbersAndLayoutsMatchTheKernelHeaders() throws Exception {
    Map<String, Long> k = kernelValues();
    assertEquals(k.get("GET_CHIPINFO"), LinuxGpioChip.GPIO_GET_CHIPINFO_IOCTL);
    assertEquals(k.get("GET_LINEINFO"), LinuxGpioChip.GPIO_V2_GET_LINEINFO_IOCTL);
    assertEquals(k.get("GET_LINE"), LinuxGpioChip.GPIO_V2_GET_LINE_IOCTL);
    assertEquals(k.get("SET_CONFIG"), LinuxGpioChip.GPIO_V2_LINE_SET_CONFIG_IOCTL);
    assertEquals(k.get("GET_VALUES"), LinuxGpioChip.GPIO_V2_LINE_GET_VALUES_IOCTL);
    assertEquals(k.get("SET_VALUES"), LinuxGpioChip.GPIO_V2_LINE_SET_VALUES_IOCTL);
    assertEquals(k.get("CHIPINFO_SIZE"), LinuxGpioChip.CHIPINFO_SIZE);
    assertEquals(k.get("CHIPINFO_LINES"), LinuxGpioChip.CHIPINFO_LINES);
    assertEquals(k.get("LINEINFO_SIZE"), LinuxGpioChip.LINEINFO_SIZE);
    assertEquals(k.get("LINEINFO_OFFSET"), LinuxGpioChip.LINEINFO_OFFSET);
    assertEquals(k.get("LINEINFO_FLAGS"), LinuxGpioChip.LINEINFO_FLAGS);
    assertEquals(k.get("REQUEST_SIZE"), LinuxGpioChip.REQUEST_SIZE);
    assertEquals(k.get("REQUEST_CONSUMER"), LinuxGpioChip.REQUEST_CONSUMER);
    assertEquals(k.get("REQUEST_CONFIG"), LinuxGpioChip.REQUEST_CONFIG);
    assertEquals(k.get("REQUEST_NUM_LINES"), LinuxGpioChip.REQUEST_NUM_LINES);
    assertEquals(k.get("REQUEST_FD"), LinuxGpioChip.REQUEST_FD);
    assertEquals(k.get("CONFIG_SIZE"), LinuxGpioChip.CONFIG_SIZE);
    assertEquals(k.get("CONFIG_NUM_ATTRS"), LinuxGpioChip.CONFIG_NUM_ATTRS);
    assertEquals(k.get("CONFIG_ATTRS"), LinuxGpioChip.CONFIG_ATTRS);
    assertEquals(k.get("ATTR_VALUE"), LinuxGpioChip.ATTR_VALUE);
    assertEquals(k.get("ATTR_MASK"), LinuxGpioChip.ATTR_MASK);
    assertEquals(k.get("EVENT_SIZE"), LinuxGpioChip.EVENT_SIZE);
    assertEquals(k.get("EVENT_ID"), LinuxGpioChip.EVENT_ID);
    assertEquals(k.get("FLAG_INPUT"), LinuxGpioChip.FLAG_INPUT);
    assertEquals(k.get("FLAG_OUTPUT"), LinuxGpioChip.FLAG_OUTPUT);
    assertEquals(k.get("FLAG_EDGE_RISING"), LinuxGpioChip.FLAG_EDGE_RISING);
    assertEquals(k.get("FLAG_EDGE_FALLING"), LinuxGpioChip.FLAG_EDGE_FALLING);
    assertEquals(k.get("ATTR_ID_OUTPUT_VALUES"),
        (long) LinuxGpioChip.GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES);
    assertEquals(k.get("EVENT_RISING"), (long) LinuxGpioChip.GPIO_V2_LINE_EVENT_RISING_EDGE);
  }
}
