// Written by tools/vendor_js.sh. Point require.js at the self-hosted widget manager files.
(function () {
  var src = document.currentScript.src;
  var folder = src.slice(0, src.lastIndexOf("/"));
  require.config({ paths: { "@jupyter-widgets/html-manager/dist": folder } });
})();
