// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.util.List;

/**
 * Answers SCMI commands: the base protocol (0x10) here, the sensor management protocol (0x15)
 * in {@link SensorProtocol}. Everything is written into a caller's {@link Words}, so answering
 * allocates nothing.
 */
final class ScmiHandler {
  static final int BASE_PROTOCOL_ID = 0x10;
  static final int BASE_VERSION = 0x0;
  static final int BASE_PROTOCOL_ATTRIBUTES = 0x1;
  static final int BASE_MESSAGE_ATTRIBUTES = 0x2;
  static final int BASE_DISCOVER_VENDOR = 0x3;
  static final int BASE_DISCOVER_IMPLEMENTATION_VERSION = 0x5;
  static final int BASE_DISCOVER_LIST_PROTOCOLS = 0x6;

  static final int BASE_PROTOCOL_VERSION = 0x0002_0000;
  static final int IMPLEMENTATION_VERSION = 0;
  /** Guest-visible vendor string, kept from the Rust daemon so guests see the same device. */
  static final String VENDOR = "rust-vmm";
  /** The protocols besides base, sorted (DISCOVER_LIST_PROTOCOLS). */
  static final int[] PROTOCOLS = {SensorProtocol.PROTOCOL_ID};
  /** Most parameters of any implemented message. */
  static final int MAX_PARAMETERS = 2;

  static final int NOTIFICATION_HEADER = ScmiHeader.of(SensorProtocol.PROTOCOL_ID,
      SensorProtocol.SENSOR_UPDATE, ScmiHeader.TYPE_NOTIFICATION, 0);

  private static final int[] VENDOR_NAME = Words.packName(VENDOR);

  private final SensorProtocol sensorProtocol;

  ScmiHandler(List<Sensor> sensors) {
    this.sensorProtocol = new SensorProtocol(sensors);
  }

  SensorProtocol sensors() {
    return sensorProtocol;
  }

  /** Words the longest response can have (DESCRIPTION_GET of 256 sensors). */
  int maxResponseWords() {
    int descriptions = Math.min(sensorProtocol.sensors().size(), SensorProtocol.MAX_DESCRIPTIONS);
    int described = 3 + descriptions * SensorProtocol.DESCRIPTION_WORDS;
    int reading = 2 + 4 * sensorProtocol.maxValues();
    int axis = 2 + 7 + Words.NAME_WORDS + 4;
    return Math.max(Math.max(described, reading), Math.max(axis, 16));
  }

  /** Parameters of a message, or -1 if the daemon does not implement it. */
  static int parameterCount(int protocolId, int messageId) {
    return switch (protocolId) {
      case BASE_PROTOCOL_ID -> switch (messageId) {
        case BASE_VERSION, BASE_PROTOCOL_ATTRIBUTES, BASE_DISCOVER_VENDOR,
            BASE_DISCOVER_IMPLEMENTATION_VERSION -> 0;
        case BASE_MESSAGE_ATTRIBUTES, BASE_DISCOVER_LIST_PROTOCOLS -> 1;
        default -> -1;
      };
      case SensorProtocol.PROTOCOL_ID -> SensorProtocol.parameterCount(messageId);
      default -> -1;
    };
  }

  /**
   * Builds the response to the request {@code header} with parameters {@code p0, p1} (those the
   * message has) into {@code out}: the header echoed, the status, the return values. {@code
   * maxBytes} is the room for the whole response.
   */
  void handle(int header, int p0, int p1, Words out, int maxBytes) {
    out.clear();
    out.add(header);
    int protocol = ScmiHeader.protocolId(header);
    int message = ScmiHeader.messageId(header);
    if (ScmiHeader.messageType(header) != ScmiHeader.TYPE_COMMAND
        || parameterCount(protocol, message) < 0) {
      out.add(ScmiStatus.NOT_SUPPORTED);
      return;
    }
    if (protocol == SensorProtocol.PROTOCOL_ID) {
      sensorProtocol.handle(message, p0, p1, out, maxBytes);
      return;
    }
    int start = out.size();
    out.add(ScmiStatus.SUCCESS);
    int status = switch (message) {
      case BASE_VERSION -> add(out, BASE_PROTOCOL_VERSION);
      // bits 7:0 protocols besides base, bits 15:8 agents (none)
      case BASE_PROTOCOL_ATTRIBUTES -> add(out, PROTOCOLS.length);
      case BASE_MESSAGE_ATTRIBUTES -> messageAttributes(BASE_PROTOCOL_ID, p0, out);
      case BASE_DISCOVER_VENDOR -> out.addName(VENDOR_NAME) ? ScmiStatus.SUCCESS
          : ScmiStatus.COMMS_ERROR;
      case BASE_DISCOVER_IMPLEMENTATION_VERSION -> add(out, IMPLEMENTATION_VERSION);
      case BASE_DISCOVER_LIST_PROTOCOLS -> listProtocols(p0, out);
      default -> ScmiStatus.NOT_SUPPORTED;
    };
    if (status != ScmiStatus.SUCCESS) {
      out.truncate(start);
      out.add(status);
    }
  }

  private static int add(Words out, int value) {
    out.add(value);
    return ScmiStatus.SUCCESS;
  }

  /** MESSAGE_ATTRIBUTES of any protocol: 0 if implemented, NOT_FOUND if not. */
  static int messageAttributes(int protocolId, int messageId, Words out) {
    if (Integer.compareUnsigned(messageId, 0xFF) > 0) {
      return ScmiStatus.INVALID_PARAMETERS;
    }
    if (parameterCount(protocolId, messageId) < 0) {
      return ScmiStatus.NOT_FOUND;
    }
    out.add(0);
    return ScmiStatus.SUCCESS;
  }

  /**
   * The protocols after the first {@code skip}: their count, then the ids four to a word, the
   * first in the lowest byte. (The Rust daemon puts protocol i into word i % 4 instead of i / 4,
   * which only shows with more than four protocols.)
   */
  private static int listProtocols(int skip, Words out) {
    int from = Integer.compareUnsigned(skip, PROTOCOLS.length) >= 0 ? PROTOCOLS.length : skip;
    int n = PROTOCOLS.length - from;
    out.add(n);
    int word = 0;
    for (int i = 0; i < n; i++) {
      word |= (PROTOCOLS[from + i] & 0xFF) << (i % 4) * 8;
      if (i % 4 == 3 || i == n - 1) {
        out.add(word);
        word = 0;
      }
    }
    return ScmiStatus.SUCCESS;
  }
}
