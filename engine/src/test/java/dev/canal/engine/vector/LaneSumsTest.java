package dev.canal.engine.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

class LaneSumsTest {

    /** Every length sums as the tree of pairs (i, i + L/2), computed here in scalar code: the order is the contract. */
    @Test
    void sumsLanesAsATreeOfHalves() {
        Random rnd = new Random(1);
        for (VectorSpecies<Float> species : List.of(FloatVector.SPECIES_64, FloatVector.SPECIES_128,
                FloatVector.SPECIES_256, FloatVector.SPECIES_512)) {
            for (int trial = 0; trial < 2000; trial++) {
                float[] lanes = new float[species.length()];
                for (int i = 0; i < lanes.length; i++) lanes[i] = (float) (rnd.nextGaussian() * (1 << rnd.nextInt(20)));
                float want = lanes.length >= 4 ? tree(lanes) : lanes[0] + lanes[1];
                assertEquals(want, LaneSums.sum(FloatVector.fromArray(species, lanes, 0)), species + " trial " + trial);
            }
        }
    }

    /** The lanes of stored accumulators sum exactly as the vectors themselves would. */
    @Test
    void storedLanesSumAsTheirVectors() {
        Random rnd = new Random(2);
        for (VectorSpecies<Float> species : List.of(FloatVector.SPECIES_64, FloatVector.SPECIES_128,
                FloatVector.SPECIES_256, FloatVector.SPECIES_512)) {
            int l = species.length();
            for (int trial = 0; trial < 200; trial++) {
                float[] lanes = new float[5 * l];
                for (int i = 0; i < lanes.length; i++) lanes[i] = (float) (rnd.nextGaussian() * (1 << rnd.nextInt(20)));
                float[] want = new float[6];
                for (int k = 0; k < 5; k++) want[k + 1] = LaneSums.sum(FloatVector.fromArray(species, lanes, k * l));
                float[] got = new float[6];
                LaneSums.sumEach(lanes, 5, l, got, 1);
                assertArrayEquals(want, got, species + " trial " + trial);
            }
        }
    }

    private static float tree(float[] lanes) {
        float[] v = lanes.clone();
        for (int n = v.length / 2; n >= 1; n /= 2) {
            for (int i = 0; i < n; i++) v[i] = v[i] + v[i + n];
        }
        return v[0];
    }
}
