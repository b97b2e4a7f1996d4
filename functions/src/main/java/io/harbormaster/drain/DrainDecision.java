package io.harbormaster.drain;

/** The status after a pass and the action that pass calls for. */
public record DrainDecision(DrainStatus status, DrainAction action) {
}
