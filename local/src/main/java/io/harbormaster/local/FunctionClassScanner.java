package io.harbormaster.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/** Lists the classes of a package and its subpackages on a class path, from directories and jars alike. */
public final class FunctionClassScanner {
    private FunctionClassScanner() {
    }

    public static List<Class<?>> classesIn(String packageName, ClassLoader loader) {
        String folder = packageName.replace('.', '/');
        SortedSet<String> names = new TreeSet<>();
        try {
            Enumeration<URL> roots = loader.getResources(folder);
            while (roots.hasMoreElements()) {
                URL root = roots.nextElement();
                switch (root.getProtocol()) {
                    case "file" -> addFromDirectory(Path.of(root.toURI()), packageName, names);
                    case "jar" -> addFromJar(root, folder, names);
                    default -> throw new LocalHostStartupException("Cannot scan " + root + " for functions: only "
                            + "directories and jars are supported");
                }
            }
        } catch (IOException | URISyntaxException e) {
            throw new LocalHostStartupException("Cannot scan package " + packageName + " for functions: " + e, e);
        }
        List<Class<?>> classes = new ArrayList<>();
        for (String name : names) {
            try {
                classes.add(Class.forName(name, false, loader));
            } catch (ClassNotFoundException | LinkageError e) {
                throw new LocalHostStartupException("Cannot load class " + name + ": " + e, e);
            }
        }
        return classes;
    }

    private static void addFromDirectory(Path directory, String packageName, SortedSet<String> names) {
        try (Stream<Path> files = Files.walk(directory)) {
            files.filter(file -> isClassFile(file.getFileName().toString()))
                    .map(file -> directory.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "."))
                    .map(relative -> packageName + "." + relative.substring(0, relative.length() - ".class".length()))
                    .forEach(names::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void addFromJar(URL root, String folder, SortedSet<String> names) throws IOException {
        JarURLConnection connection = (JarURLConnection) root.openConnection();
        connection.setUseCaches(false);
        try (JarFile jar = connection.getJarFile()) {
            for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
                String entry = entries.nextElement().getName();
                String fileName = entry.substring(entry.lastIndexOf('/') + 1);
                if (entry.startsWith(folder + "/") && isClassFile(fileName)) {
                    names.add(entry.substring(0, entry.length() - ".class".length()).replace('/', '.'));
                }
            }
        }
    }

    private static boolean isClassFile(String fileName) {
        return fileName.endsWith(".class") && !fileName.equals("module-info.class")
                && !fileName.equals("package-info.class");
    }
}
