// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapters of the daemon and which one serves each 7-bit client address, shared by every
 * guest. A transfer goes to the adapter of its first message's address. Selecting the client and
 * transferring happen under the adapter's lock, so two guests on one adapter cannot interleave
 * their I2C_SLAVE and I2C_RDWR calls (the Rust daemon does not lock).
 */
public final class I2cMap implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(I2cMap.class);
  /** 7-bit addressing: addresses 0..127. */
  public static final int MAX_CLIENTS = 1 << 7;

  private final List<I2cAdapter> adapters;
  private final int[] adapterOf = new int[MAX_CLIENTS];

  /** Opens nothing itself: {@code opener} yields the bus of each configured adapter. */
  public interface BusOpener {
    I2cBus open(DeviceList.Adapter adapter) throws IOException;
  }

  private I2cMap(List<I2cAdapter> adapters, int[] table) {
    this.adapters = adapters;
    System.arraycopy(table, 0, adapterOf, 0, MAX_CLIENTS);
  }

  /**
   * Opens every adapter of {@code list}, picks its transfer mode and checks that each listed
   * client can be addressed (I2C_SLAVE fails with EBUSY when a host driver owns it).
   */
  public static I2cMap open(DeviceList list, BusOpener opener) throws IOException {
    List<I2cAdapter> opened = new ArrayList<>();
    int[] table = new int[MAX_CLIENTS];
    Arrays.fill(table, -1);
    try {
      for (DeviceList.Adapter cfg : list.adapters()) {
        I2cBus bus = opener.open(cfg);
        I2cAdapter adapter;
        try {
          adapter = I2cAdapter.of(bus);
        } catch (IOException | RuntimeException e) {
          bus.close();
          throw e;
        }
        opened.add(adapter);
        for (int address : cfg.clients()) {
          adapter.selectClient(address);
          table[address] = opened.size() - 1;
        }
        LOG.info("Added I2C master with bus id: {} for devices {}", bus.busNumber(), cfg.clients());
      }
    } catch (IOException | RuntimeException e) {
      opened.forEach(a -> a.bus().close());
      throw e;
    }
    return new I2cMap(List.copyOf(opened), table);
  }

  public List<I2cAdapter> adapters() {
    return adapters;
  }

  /** Index in {@link #adapters()} of the adapter serving {@code address}, or -1. */
  public int adapterIndexOf(int address) {
    return address >= 0 && address < MAX_CLIENTS ? adapterOf[address] : -1;
  }

  /** One transfer; throws {@link UnknownClientException} for an address nobody serves. */
  public void transfer(I2cMessages messages) throws IOException {
    int address = messages.address(0);
    int index = adapterIndexOf(address);
    if (index < 0) {
      throw new UnknownClientException(address);
    }
    I2cAdapter adapter = adapters.get(index);
    synchronized (adapter) {
      adapter.selectClient(address);
      adapter.transfer(messages);
    }
  }

  @Override
  public void close() {
    adapters.forEach(a -> a.bus().close());
  }
}
