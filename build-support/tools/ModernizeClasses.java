// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.commons.JSRInlinerAdapter;

/**
 * Build step run on each daemon's fat jar: rewrites the classes under the given package prefixes
 * (picocli, which ships Java 5 class files) as Java 8 class files with stack map frames. The code
 * is unchanged. Why: the JVM checks pre-Java-6 classes with the slow type-inferencing verifier at
 * every start, and an AOT cache cannot hold them linked, so they cost a daemon about half of its
 * start-up CPU time (docs/performance.md). Entries keep their order and timestamps.
 *
 * <p>Usage: {@code java -cp ASM ModernizeClasses.java JAR PREFIX...}
 */
public final class ModernizeClasses {
  private ModernizeClasses() {}

  public static void main(String[] args) throws IOException {
    Path jar = Path.of(args[0]);
    Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
    int rewritten = 0;
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
        ZipInputStream in = new ZipInputStream(Files.newInputStream(jar));
        ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(tmp))) {
      ZipEntry e;
      while ((e = in.getNextEntry()) != null) {
        byte[] bytes = in.readAllBytes();
        if (e.getName().endsWith(".class") && matches(e.getName(), args)
            && new ClassReader(bytes).readShort(6) < Opcodes.V1_6) {
          bytes = modernize(bytes, loader);
          rewritten++;
        }
        ZipEntry copy = new ZipEntry(e.getName());
        copy.setTime(e.getTime());
        out.putNextEntry(copy);
        out.write(bytes);
        out.closeEntry();
      }
    }
    Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING);
    System.out.println("ModernizeClasses: " + rewritten + " classes rewritten in " + jar.getFileName());
  }

  private static boolean matches(String entry, String[] args) {
    for (int i = 1; i < args.length; i++) {
      if (entry.startsWith(args[i])) {
        return true;
      }
    }
    return false;
  }

  private static byte[] modernize(byte[] bytes, ClassLoader loader) {
    // COMPUTE_FRAMES needs common superclasses: resolve them against the jar itself.
    ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
      @Override
      protected ClassLoader getClassLoader() {
        return loader;
      }
    };
    new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9, writer) {
      @Override
      public void visit(int version, int access, String name, String signature, String superName,
          String[] interfaces) {
        super.visit(Opcodes.V1_8, access, name, signature, superName, interfaces);
      }

      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor,
          String signature, String[] exceptions) {
        // Java 8 class files may not contain JSR/RET: inline any subroutines.
        MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
        return new JSRInlinerAdapter(mv, access, name, descriptor, signature, exceptions);
      }
    }, ClassReader.SKIP_FRAMES);
    return writer.toByteArray();
  }
}
