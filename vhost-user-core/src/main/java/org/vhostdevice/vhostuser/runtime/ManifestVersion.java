// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the Implementation-Version the daemon's jar was built with. */
public final class ManifestVersion implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = ManifestVersion.class.getPackage().getImplementationVersion();
    return new String[] {"${COMMAND-NAME} " + (v != null ? v : "(development build)")};
  }
}
