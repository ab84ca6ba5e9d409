package dev.canal.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.canal.engine.api.CanalException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/** The fatbin the build produced carries exactly the targets the kernel table promises, and every kernel. */
class FatbinMatchesTableTest {

    private static byte[] builtFatbin() {
        var image = KernelImage.fatbin();
        assumeTrue(image.isPresent(), KernelImage.status());
        return image.get();
    }

    @Test
    void targetsAreExactlyTheTablesRowsPlusItsPtx() {
        KernelTable table = KernelTable.get();
        List<FatbinContainer.Entry> entries = FatbinContainer.entries(builtFatbin(), KernelImage.FATBIN);
        TreeSet<Integer> cubins = new TreeSet<>();
        TreeSet<Integer> ptx = new TreeSet<>();
        for (FatbinContainer.Entry e : entries) {
            boolean fresh = (e.kind() == FatbinContainer.Kind.ELF ? cubins : ptx).add(e.sm());
            assertTrue(fresh, "two entries for " + e.target());
        }
        assertEquals(new TreeSet<>(table.buildableSms()), cubins, "cubins");
        assertEquals(new TreeSet<>(List.of(table.ptxSm())), ptx, "PTX");
        assertTrue(KernelImage.status().startsWith("kernels for sm_75"), KernelImage.status());
    }

    /** Cubins are stored uncompressed; their string tables name the kernels. */
    @Test
    void everyCubinDefinesEveryKernelTheTableNames() {
        byte[] fatbin = builtFatbin();
        List<String> missing = new ArrayList<>();
        for (FatbinContainer.Entry e : FatbinContainer.entries(fatbin, KernelImage.FATBIN)) {
            if (e.kind() != FatbinContainer.Kind.ELF || e.compressed()) continue;
            byte[] elf = Arrays.copyOfRange(fatbin, (int) e.offset(), (int) (e.offset() + e.payloadSize()));
            assertEquals(0x7f, elf[0]);
            assertEquals("ELF", new String(elf, 1, 3, StandardCharsets.US_ASCII), e.target());
            String text = new String(elf, StandardCharsets.ISO_8859_1);
            for (String kernel : KernelTableTest.namedKernels(KernelTable.get())) {
                if (!text.contains(kernel + '\0')) missing.add(e.target() + ":" + kernel);
            }
        }
        assertTrue(missing.isEmpty(), "missing: " + missing);
    }

    @Test
    void rejectsWhatIsNotAFatbin() {
        byte[] notOne = new byte[64];
        CanalException e = assertThrows(CanalException.class, () -> FatbinContainer.entries(notOne, "x.fatbin"));
        assertTrue(e.getMessage().startsWith("x.fatbin: not a CUDA fatbin at byte 0: magic 0x00000000"), e.getMessage());
        byte[] fatbin = builtFatbin();
        byte[] cut = Arrays.copyOf(fatbin, fatbin.length / 2);
        assertThrows(CanalException.class, () -> FatbinContainer.entries(cut, "cut.fatbin"));
    }

    @Test
    void gencodeListIsDerivedFromTheTable() {
        List<String> args = NvccArguments.gencode(KernelTable.get());
        assertEquals(2 * (KernelTable.get().buildableSms().size() + 1), args.size());
        assertTrue(args.contains("arch=compute_75,code=sm_75"));
        assertTrue(args.contains("arch=compute_121,code=compute_121"));
        assertTrue(args.stream().noneMatch(a -> a.contains("_70")), "CUDA 13 cannot target sm_70: " + args);
    }
}
