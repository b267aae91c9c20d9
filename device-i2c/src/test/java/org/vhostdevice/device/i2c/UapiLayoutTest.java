// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

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
 * The ioctl numbers, struct layouts and flag bits the i2c-dev backend hard-codes, checked against
 * this machine's linux/i2c.h and linux/i2c-dev.h by compiling a small C program (skipped without
 * gcc and linux-libc-dev).
 */
class UapiLayoutTest {
  @TempDir Path dir;

  private static final String PROGRAM = """
      #include <linux/i2c.h>
      #include <linux/i2c-dev.h>
      #include <stddef.h>
      #include <stdio.h>
      #define P(n, v) printf("%s=%lu\\n", n, (unsigned long)(v))
      int main(void) {
        P("I2C_SLAVE", I2C_SLAVE);
        P("I2C_FUNCS", I2C_FUNCS);
        P("I2C_RDWR", I2C_RDWR);
        P("I2C_SMBUS", I2C_SMBUS);
        P("MSG_SIZE", sizeof(struct i2c_msg));
        P("MSG_FLAGS", offsetof(struct i2c_msg, flags));
        P("MSG_LEN", offsetof(struct i2c_msg, len));
        P("MSG_BUF", offsetof(struct i2c_msg, buf));
        P("I2C_M_RD", I2C_M_RD);
        P("SMBUS_ARGS_SIZE", sizeof(struct i2c_smbus_ioctl_data));
        P("SMBUS_COMMAND", offsetof(struct i2c_smbus_ioctl_data, command));
        P("SMBUS_SIZE", offsetof(struct i2c_smbus_ioctl_data, size));
        P("SMBUS_DATA", offsetof(struct i2c_smbus_ioctl_data, data));
        P("SMBUS_DATA_SIZE", sizeof(union i2c_smbus_data));
        P("I2C_SMBUS_READ", I2C_SMBUS_READ);
        P("I2C_SMBUS_BYTE_DATA", I2C_SMBUS_BYTE_DATA);
        P("I2C_SMBUS_WORD_DATA", I2C_SMBUS_WORD_DATA);
        P("I2C_FUNC_I2C", I2C_FUNC_I2C);
        P("SMBUS_ALL", I2C_FUNC_SMBUS_BYTE | I2C_FUNC_SMBUS_BYTE_DATA | I2C_FUNC_SMBUS_WORD_DATA);
        return 0;
      }
      """;

  private Map<String, Long> kernelValues() throws Exception {
    Assumptions.assumeTrue(Files.exists(Path.of("/usr/include/linux/i2c-dev.h")),
        "no linux/i2c-dev.h (apt-get install linux-libc-dev)");
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
    assertEquals(k.get("I2C_SLAVE"), LinuxI2cBus.I2C_SLAVE);
    assertEquals(k.get("I2C_FUNCS"), LinuxI2cBus.I2C_FUNCS);
    assertEquals(k.get("I2C_RDWR"), LinuxI2cBus.I2C_RDWR);
    assertEquals(k.get("I2C_SMBUS"), LinuxI2cBus.I2C_SMBUS);
    assertEquals(k.get("MSG_SIZE"), I2cMessages.MSG_SIZE);
    assertEquals(k.get("MSG_FLAGS"), I2cMessages.MSG_FLAGS);
    assertEquals(k.get("MSG_LEN"), I2cMessages.MSG_LEN);
    assertEquals(k.get("MSG_BUF"), I2cMessages.MSG_BUF);
    assertEquals(k.get("I2C_M_RD"), (long) I2cMessages.I2C_M_RD);
    assertEquals(k.get("SMBUS_ARGS_SIZE"), SmbusCall.ARGS_SIZE);
    assertEquals(k.get("SMBUS_COMMAND"), SmbusCall.ARG_COMMAND);
    assertEquals(k.get("SMBUS_SIZE"), SmbusCall.ARG_SIZE);
    assertEquals(k.get("SMBUS_DATA"), SmbusCall.ARG_DATA);
    assertEquals(k.get("SMBUS_DATA_SIZE"), SmbusCall.DATA_SIZE);
    assertEquals(k.get("I2C_SMBUS_READ"), (long) SmbusCall.I2C_SMBUS_READ);
    assertEquals(k.get("I2C_SMBUS_BYTE_DATA"), (long) SmbusCall.I2C_SMBUS_BYTE_DATA);
    assertEquals(k.get("I2C_SMBUS_WORD_DATA"), (long) SmbusCall.I2C_SMBUS_WORD_DATA);
    assertEquals(k.get("I2C_FUNC_I2C"), I2cAdapter.I2C_FUNC_I2C);
    assertEquals(k.get("SMBUS_ALL"), I2cAdapter.I2C_FUNC_SMBUS_ALL);
  }
}
