package io.harbormaster.scaleset;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScaleSetExceptionTest {
    private static ScaleSetException failure(String code, String message) {
        return new ScaleSetException("Failed to scale out: HTTP 409 " + code + ": " + message, false, code, null);
    }

    @Test
    void theAllocationCodesAreAllocationFailuresWhateverTheirCase() {
        for (String code : new String[] {"SkuNotAvailable", "AllocationFailed", "ZonalAllocationFailed",
                "OverconstrainedAllocationRequest", "OverconstrainedZonalAllocationRequest", "allocationfailed"}) {
            assertTrue(failure(code, "no room").allocationFailure(), code);
        }
    }

    @Test
    void operationNotAllowedIsOneOnlyWhenItIsAboutQuotaOrCapacity() {
        assertTrue(failure("OperationNotAllowed", "Operation could not be completed as it results in exceeding approved"
                + " standardDSv5Family Cores quota.").allocationFailure());
        assertTrue(failure("OperationNotAllowed", "Allocation failed. We do not have sufficient capacity for the requested"
                + " VM size in this region.").allocationFailure());
        assertFalse(failure("OperationNotAllowed", "The operation cannot be performed since the VM is marked for deletion.")
                .allocationFailure());
    }

    @Test
    void otherFailuresAndFailuresWithoutACodeAreNot() {
        assertFalse(failure("Conflict", "The request failed due to conflict with a concurrent request.").allocationFailure());
        assertFalse(failure("InternalExecutionError", "capacity").allocationFailure());
        assertFalse(new ScaleSetException("timed out", true, null).allocationFailure());
    }
}
