// Stands in for @grpc/grpc-js and @grpc/proto-loader in Nova's bundles. dockerode loads them only for
// BuildKit sessions (image builds with credentials), which Nova does not use; leaving them out keeps
// the CLI and the helper small and quick to start.
'use strict';
const unavailable = () => {
  throw new Error('BuildKit sessions are not part of Nova’s build');
};
module.exports = new Proxy({}, { get: () => unavailable });
