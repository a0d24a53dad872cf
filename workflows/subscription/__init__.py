"""The subscription lifecycle: request, decision, contract, cancellation, modification."""
