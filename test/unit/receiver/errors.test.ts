import { GRPC_CODE, httpStatusOf, IngestError, ReceiverError } from '../../../src/receiver/errors';

describe('receiver errors: the gRPC code first, the HTTP status from it', () => {
  it('maps every gRPC code to the HTTP status the Collector answers with', () => {
    const expected: Record<keyof typeof GRPC_CODE, number> = {
      OK: 500,
      CANCELLED: 503,
      UNKNOWN: 500,
      INVALID_ARGUMENT: 400,
      DEADLINE_EXCEEDED: 503,
      NOT_FOUND: 500,
      PERMISSION_DENIED: 403,
      RESOURCE_EXHAUSTED: 429,
      ABORTED: 503,
      OUT_OF_RANGE: 503,
      UNIMPLEMENTED: 404,
      INTERNAL: 500,
      UNAVAILABLE: 503,
      DATA_LOSS: 503,
      UNAUTHENTICATED: 401,
    };
    for (const [name, code] of Object.entries(GRPC_CODE) as [keyof typeof GRPC_CODE, number][])
      expect([name, httpStatusOf(code)]).toEqual([name, expected[name]]);
  });

  it('carries the code, the retry delay and the derived status, unless a more precise status is given', () => {
    const throttled = new IngestError(GRPC_CODE.RESOURCE_EXHAUSTED, 'queue full', { retryAfterSeconds: 2 });
    expect(throttled).toMatchObject({ grpcCode: 8, httpStatus: 429, retryAfterSeconds: 2, code: 'RESOURCE_EXHAUSTED' });
    const tooBig = new IngestError(GRPC_CODE.RESOURCE_EXHAUSTED, 'never fits', { httpStatus: 413 });
    expect(tooBig).toMatchObject({ grpcCode: 8, httpStatus: 413, retryAfterSeconds: null });
  });

  it('keeps the HTTP-only statuses, with the gRPC code a google.rpc.Status body carries', () => {
    expect(new ReceiverError(415, 'unsupported')).toMatchObject({
      status: 415,
      httpStatus: 415,
      grpcCode: GRPC_CODE.INVALID_ARGUMENT,
      code: 'HTTP_415',
    });
    expect(new ReceiverError(405, 'use POST')).toMatchObject({ httpStatus: 405, grpcCode: GRPC_CODE.UNIMPLEMENTED });
    expect(new ReceiverError(413, 'too large')).toBeInstanceOf(IngestError);
  });
});
